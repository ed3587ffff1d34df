"""What leaves the app for people: plotly charts, Excel and CSV exports, the HTML meeting report."""
