from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from core.people.selectors import person_profile

from .navigation import MY_PAGE, site_links


@login_required
def my_page(request):
    context = {**person_profile(user=request.user), "my_links": site_links(request, MY_PAGE)}
    return render(request, "home/my_page.html", context)
