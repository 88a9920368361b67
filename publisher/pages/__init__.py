"""The page framework: declarations that the newsroom subclasses.

The engine never imports the newsroom. It finds the page declarations through
the ``PUBLISHER_REGISTRY`` setting (see ``registry``), the way Django finds
``ROOT_URLCONF``; the newsroom's ``content.pages`` subclasses the kinds of page
declared here:

- ``base``: ``Site`` (what a build shares), ``Page`` (one page type),
  ``Change`` (an edited item, for ``affected``);
- ``keyset``: streaming and counting ordered rows without OFFSETs;
- ``routes``: URL patterns to URLs;
- ``lists``, ``detail``, ``archive``, ``feeds``, ``sitemap``, ``redirects``:
  the page kinds;
- ``registry``: the kinds of item and the page types of a site, in build order.
"""
