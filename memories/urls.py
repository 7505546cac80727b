app_name = "memories-api"

urlpatterns: list = []
