"""A local Microsoft Graph + Entra ID emulator for the profile photo API.

Run it with ``python -m graph_emulator`` (or ``graph-emulator``) once the package is installed; see README.md.
"""

__version__ = "1.0.0"
