from . import dashboard, views

app_name = "reports"
# The dashboard (ภาพรวมผลการดำเนินงาน) and the scorecard downloads live in
# separate view modules; both are served under this one namespace.
urlpatterns = dashboard.urlpatterns + views.urlpatterns
