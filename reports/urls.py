from . import batch_views, dashboard, rollup_views, views

app_name = "reports"
# The dashboard (ภาพรวมผลการดำเนินงาน), the scorecard downloads and the department
# roll-up live in separate view modules; all are served under this one namespace.
urlpatterns = dashboard.urlpatterns + views.urlpatterns + rollup_views.urlpatterns + batch_views.urlpatterns
