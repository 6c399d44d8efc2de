from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "api"

router = SimpleRouter()
router.register("years", views.FiscalYearViewSet, basename="year")
router.register("rounds", views.RoundViewSet, basename="round")
router.register("units", views.OrgUnitViewSet, basename="unit")
router.register("plans", views.PlanViewSet, basename="plan")
router.register("indicators", views.IndicatorViewSet, basename="indicator")
router.register("kpis", views.PolicyKPIViewSet, basename="kpi")

urlpatterns = [
    path("v1/schema/", views.SchemaView.as_view(), name="schema"),
    path("v1/docs/", views.DocsView.as_view(url_name="api:schema"), name="docs"),
    path("v1/rollup/", views.RollupView.as_view(), name="rollup"),
    path("v1/", include(router.urls)),
]
