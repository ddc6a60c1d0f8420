"""Synthetic demo data, built with factories (factory_boy and Faker on a fixed seed).

- ``factories``: one factory per model, shared by the demo builder and the tests.
- ``scenarios``: the demo's practices, the README logins, its fixed date and seed,
  and the helpers the cases use.
- ``cases``: twenty-two patients and one request each, with the explicit values each
  case needs (and what the rules say about it); all drafts here, ``load_demo`` takes
  13-22 past the payer's decision (``priorauth/management/demo_progress.py``).
- ``fixture``: builds the demo and serializes it into the text of
  ``fixtures/demo.json`` (``scripts/make_demo_fixture.py`` writes the file).

Development tooling only: factory_boy and Faker are in the ``test`` extra, and
nothing the app runs imports this package (``tests/test_demo_fixture.py`` checks
it); ``manage.py load_demo`` loads the generated JSON.
"""
