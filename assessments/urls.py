from django.urls import path

from . import review, views

app_name = "assessments"
urlpatterns = [
    path("my/", views.my_indicators, name="my-indicators"),
    path("plan/", views.plan_indicators, name="plan"),
    path("indicators/<int:pk>/", views.indicator_detail, name="indicator"),
    path("indicators/<int:pk>/rounds/<int:round_pk>/submit/", views.round_submit, name="round-submit"),
    path("steps/<int:pk>/save/", views.step_save, name="step-save"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence-download"),
    path("evidence/<int:pk>/remove/", views.evidence_remove, name="evidence-remove"),
] + review.urlpatterns
