from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from core.people.selectors import person_profile


@login_required
def my_page(request):
    return render(request, "home/my_page.html", person_profile(user=request.user))
