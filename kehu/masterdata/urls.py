from django.urls import path

from kehu.masterdata import views

app_name = "masterdata"

urlpatterns = [
    path("", views.MasterDataIndexView.as_view(), name="index"),
    path("schemes/", views.CodingSchemeView.as_view(), name="schemes"),
    path("trees/<slug:tree>/", views.TreeView.as_view(), name="tree"),
    path("trees/<slug:tree>/<int:pk>/", views.TreeView.as_view(mode="edit"), name="tree_edit"),
    path(
        "trees/<slug:tree>/<int:pk>/delete/",
        views.TreeView.as_view(mode="delete"),
        name="tree_delete",
    ),
    path("lists/<slug:slug>/", views.CodedItemListView.as_view(), name="list"),
    path("lists/<slug:slug>/new/", views.CodedItemEditView.as_view(), name="item_add"),
    path("lists/<slug:slug>/<int:pk>/", views.CodedItemEditView.as_view(), name="item_edit"),
    path(
        "lists/<slug:slug>/<int:pk>/delete/",
        views.CodedItemEditView.as_view(mode="delete"),
        name="item_delete",
    ),
]
