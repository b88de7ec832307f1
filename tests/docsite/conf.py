# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sphinx configuration of the collection's docsite (`make docs`: tests/utils/build_docsite.sh).

What `antsibull-docs sphinx-init --use-current graphops.msgraph` writes, as the Ansible docsite and collection
docsites are built (the Ansible theme, antsibull's Sphinx extension, every reference checked), with two changes for a
build that needs no network:
- intersphinx is off. The pages antsibull-docs generates link to two labels of the Ansible docsite, resolved here from
  ANSIBLE_DOCSITE_LABELS, and module docs may name ansible.builtin's plugins (M(ansible.builtin.copy)), resolved to
  their pages (the Ansible docsite defines these labels itself; a collection docsite finds them through the inventory
  it downloads). Any other reference that does not resolve is still a warning, and so an error.
- inline markup that did not render is a warning: a backtick left in the text of a page (outside code blocks) means
  that reStructuredText did not read ``...`` or `...` as markup, as a stray ``` does, and Sphinx says nothing of it.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.util import logging

project = 'graphops.msgraph'
copyright = 'graphops.msgraph contributors'  # pylint: disable=redefined-builtin
title = 'graphops.msgraph collection documentation'
html_short_title = title

extensions = ['sphinx_antsibull_ext']
pygments_style = 'ansible'
highlight_language = 'YAML+Jinja'
html_theme = 'sphinx_ansible_theme'
html_show_sphinx = False
html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False
default_role = 'any'
nitpicky = True

# label -> (page and anchor under ANSIBLE_DOCSITE, its title): what the generated pages refer to ("Common return values
# are documented here", the environment variables index).
ANSIBLE_DOCSITE = 'https://docs.ansible.com/projects/ansible/devel/'
ANSIBLE_DOCSITE_LABELS = {
    'common_return_values': ('reference_appendices/common_return_values.html#common-return-values', 'Return Values'),
    'ansible_configuration_settings': ('reference_appendices/config.html#ansible-configuration-settings',
                                       'Ansible Configuration Settings'),
}

LOGGER = logging.getLogger('graphops.docsite')


# M(ansible.builtin.copy) in a module's docs: the page of that module in the Ansible docsite.
BUILTIN_PLUGIN_LABEL = re.compile(r'^ansible_collections\.ansible\.builtin\.(?P<name>[a-z0-9_]+)_(?P<type>module|lookup|filter|test)$')


def ansible_docsite_target(label: str):
    """(page and anchor, title) of a label the Ansible docsite defines, or None."""
    if label in ANSIBLE_DOCSITE_LABELS:
        return ANSIBLE_DOCSITE_LABELS[label]
    match = BUILTIN_PLUGIN_LABEL.match(label)
    if match:
        return ('collections/ansible/builtin/%s_%s.html' % (match['name'], match['type']),
                'ansible.builtin.%s %s' % (match['name'], match['type']))
    return None


def resolve_ansible_docsite_label(app, env, node, contnode):  # pylint: disable=unused-argument
    """A reference to a label of the Ansible docsite (ansible_docsite_target), as a link to it; None for any other."""
    target = ansible_docsite_target(node.get('reftarget', '')) if node.get('reftype') == 'ref' else None
    if target is None:
        return None
    page, title = target
    reference = nodes.reference('', '', internal=False, refuri=ANSIBLE_DOCSITE + page)
    reference += contnode if node.get('refexplicit') else nodes.inline(title, title)
    return reference


def warn_about_unrendered_markup(app, doctree, docname):  # pylint: disable=unused-argument
    """A warning for each paragraph, title or table cell whose text still holds a backtick."""
    for text in doctree.findall(nodes.Text):
        if '`' not in text or any(isinstance(parent, (nodes.literal_block, nodes.raw, nodes.comment)) for parent in _parents(text)):
            continue
        LOGGER.warning('inline markup did not render (a backtick is left in the text: %r); check the ``...`` around it',
                       text.astext().strip()[:120], location=text.parent, type='graphops', subtype='unrendered_markup')


def _parents(node):
    while node.parent is not None:
        node = node.parent
        yield node


def setup(app):
    app.connect('missing-reference', resolve_ansible_docsite_label)
    app.connect('doctree-resolved', warn_about_unrendered_markup)
