"""Machine checks of the domain boundaries that imports alone cannot see.

import-linter (pyproject.toml) guards imports. The Django system checks here guard the
rest: model relations into another domain, interfaces that expose ORM types, interfaces
nobody binds, migrations that depend on another domain.
"""
