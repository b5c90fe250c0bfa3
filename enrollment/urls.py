app_name = "enrollment"
urlpatterns = []
