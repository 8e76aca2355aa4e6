"""Portfolio reporting, exports and open data.

- `views`: the portfolio dashboard (`/portfolio`): SQL aggregates, SVG charts on the server.
- `export_views`: CSV/XLSX exports for officers and 360Giving open data (`/exports`).

The defenders' voice (survey, consultations, directory) is its own package: grants/voice.
"""


def blueprints() -> tuple:
    """This feature's blueprints with all their routes (the factory registers them)."""
    from grants.reporting import export_views, views

    return views.bp, export_views.bp
