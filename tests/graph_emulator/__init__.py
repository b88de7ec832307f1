"""A local Microsoft Graph + Entra ID emulator for the profile photo API.

Run it with ``PYTHONPATH=tests python -m graph_emulator``; see README.md.
"""

__version__ = "0.1.0"
