from django.urls import path

from briefs import views

app_name = "briefs"

urlpatterns = [
    path("", views.index, name="index"),
    path("briefs/<str:slug>/", views.detail, name="detail"),
    path("tags/", views.tag_list, name="tags"),
    path("tags/<str:slug>/", views.tag_detail, name="tag"),
]
