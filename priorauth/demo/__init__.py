"""Synthetic demo data, built with factories (factory_boy and Faker on a fixed seed).

- ``factories``: one factory per model, shared by the demo builder and the tests.
- ``scenarios``: the demo itself (two practices, the README logins, nine patients
  and their requests), each case with the explicit values it needs.
- ``fixture``: serializes what ``scenarios`` built into ``fixtures/demo.json``
  (``scripts/make_demo_fixture.py`` writes the file).

Development tooling only: factory_boy and Faker are in the ``test`` extra, and
nothing the app runs imports this package (``tests/test_demo_fixture.py`` checks
it); ``manage.py load_demo`` loads the generated JSON.
"""
