from django.http import HttpResponse


def index(request):
    return HttpResponse("placeholder")


detail = tag_list = tag_detail = index
