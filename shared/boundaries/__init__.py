"""Machine checks of the domain boundaries that imports alone cannot see.

import-linter (pyproject.toml) guards imports. The Django system checks here guard the
rest: model relations into another domain or the kernel, interfaces that expose ORM types,
interfaces nobody binds, migrations that depend on another domain, get_model, signals and
Celery task names across domains, tests that reach past interfaces.

    checks.py, orm_checks.py   the system checks (ids modulith.E001-E004, E031-E032, E060-E064)
    source.py, source_rules.py the ORM rules read from any source tree's files
    import_contracts.py        import-linter's broken contracts, one violation per import
    collect.py, baseline.py,   `manage.py boundaries check | baseline`: all of it against a
    report.py                  baseline that may only shrink, as text or JSON
"""
