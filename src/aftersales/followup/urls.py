"""The follow-up pages: return visits and cases, surveys and satisfaction figures."""

from aftersales.followup import survey_views, visit_views

app_name = "followup"
urlpatterns = [*visit_views.urlpatterns, *survey_views.urlpatterns]
