"""A bare Flask page that renders a 20-item template: the yardstick for page throughput.

gunicorn --workers 2 "scripts.bare_app:app"   (from the project root)
"""

from flask import Flask, render_template
from jinja2 import DictLoader

PAGE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main><h1>{{ title }}</h1><ul>
{% for item in items %}<li><a href="/items/{{ item.id }}">{{ item.name }}</a>
<p>{{ item.summary }}</p></li>
{% endfor %}</ul></main></body></html>
"""

ITEMS = [
    {"id": n, "name": f"Casus {n}", "summary": f"Een korte samenvatting van casus {n}."}
    for n in range(20)
]

app = Flask(__name__)
app.jinja_loader = DictLoader({"page.html": PAGE})


@app.get("/")
def page():
    return render_template("page.html", title="Twintig items", items=ITEMS)
