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
    path("evidence/<int:pk>/view/", views.evidence_view, name="evidence-view"),
    path("evidence/<int:pk>/remove/confirm/", views.evidence_remove_confirm, name="evidence-remove-confirm"),
    path("indicators/<int:pk>/rounds/<int:round_pk>/report/", views.round_report, name="round-report"),
    path("notices/", views.notice_list, name="notices"),
    path("notices/<int:pk>/open/", views.notice_open, name="notice-open"),
    path("notices/read-all/", views.notices_read_all, name="notices-read-all"),
] + review.urlpatterns
