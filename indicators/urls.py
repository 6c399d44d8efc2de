from django.urls import path

from . import views

app_name = "indicators"
urlpatterns = [
    path("", views.plan_list, name="plan-list"),
    path("<int:pk>/", views.plan_detail, name="plan-detail"),
    path("<int:pk>/edit/", views.plan_edit, name="plan-edit"),
    path("<int:pk>/copy/", views.plan_copy, name="plan-copy"),
    path("<int:pk>/publish/", views.plan_publish, name="plan-publish"),
    path("<int:pk>/indicators/add/", views.indicator_add, name="indicator-add"),
    path("<int:pk>/kpis/<int:kpi_pk>/", views.kpi_edit, name="kpi-edit"),
    path("<int:pk>/template.xlsx", views.plan_template, name="plan-template"),
    path("<int:pk>/import/", views.plan_import_view, name="plan-import"),
    path("<int:pk>/import/confirm/", views.plan_import_confirm, name="plan-import-confirm"),
    path("indicators/<int:pk>/", views.indicator_edit, name="indicator-edit"),
    path("indicators/<int:pk>/criteria/", views.criteria_edit, name="criteria-edit"),
    path("indicators/<int:pk>/withdraw/", views.indicator_withdraw, name="indicator-withdraw"),
    path("indicators/<int:pk>/cascade/", views.cascade_edit, name="cascade-edit"),
]
