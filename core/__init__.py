"""The base every app stands on; it imports no app (kpi_tracker/tests/test_layers.py).

Thai dates, digits and fiscal-year arithmetic (thai.py, the only place that adds 543), the template
filters over it (templatetags/thai.py), inline_static, the middleware (language, CSP) and client_ip.
"""
