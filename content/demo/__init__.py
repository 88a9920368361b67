"""A deterministic demo newsroom: The Millbrook Ledger at any size.

``seed.seed_demo()`` fills an empty database with sections, authors, stories
(with bylines), obituaries, crime reports, birth announcements and wedding
and engagement announcements, dated relative to an anchor day,
plus a small pool of generated photos under MEDIA_ROOT. The same arguments
always give the same rows (ids and timestamps included) and the same photo
bytes, so two demo sites seeded alike render byte-identical pages (DESIGN.md,
invariant 4).

The words, places, names and story templates are data files under ``data/``
(read by ``words``); the modules here only draw from them:

- ``seed``: the entry point, its checks and its summary
- ``rows``: writing rows in batches, with the timestamps they carry
- ``timeline``: when each item was created, published and updated; slugs
- ``newsroom``: sections, authors and the town's officials
- ``slots``: the values a story's templates are filled with
- ``text``: AP-style dates, times, numbers and lists; body HTML
- ``stories``, ``obituaries``, ``crimes``, ``births``, ``weddings``: one
  generator of rows per kind
- ``photos``: the drawn photo pool
"""
