"""Portfolio reporting, exports and open data (issue 8).

- `views`: the portfolio dashboard (`/portfolio`): SQL aggregates, SVG charts on the server.
- `export_views`: CSV/XLSX exports for officers and 360Giving open data (`/exports`).

The defenders' voice (survey, consultations, directory) is its own package: grants/voice.
"""
