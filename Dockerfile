FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY exoresist ./exoresist
COPY evidence ./evidence
RUN pip install --no-cache-dir -c constraints.txt .
COPY . .
RUN DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "exoresist.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
