"""`manage.py extract service <domain> --out DIR`: a runnable standalone Django project for one domain.

    generate(domain, out=DIR, monolith_url=..., force=False)  -> Generated (what changed)

The service is the deployment's composition root (config/, the same in every process),
the domain's app, every other domain's interface and contract, the kernel as a wheel
built from this checkout, and files of its own rendered from templates/ (README, Makefile,
pyproject.toml, Procfile, Dockerfile, config/service.env). sources.py says what is taken
and why; writer.py how a second run shows its diff and refuses without --force.
"""

from extract.service.generator import Generated, ServiceExistsError, generate

__all__ = ["Generated", "ServiceExistsError", "generate"]
