urlpatterns: list = []  # the xAPI statements resource is being written
