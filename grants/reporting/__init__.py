"""Portfolio reporting, exports and open data, and the defenders' voice (issue 8).

- `views`: the portfolio dashboard (`/portfolio`): SQL aggregates, SVG charts on the server.
- `export_views`: CSV/XLSX exports for officers and 360Giving open data (`/exports`).
- `voice_views`: the anonymous survey, the consultation log and the peer directory.
"""


def blueprints() -> tuple:
    """This feature's blueprints with all their routes (the factory registers them)."""
    from grants.reporting import export_views, views, voice_views

    return views.bp, export_views.bp, voice_views.bp
