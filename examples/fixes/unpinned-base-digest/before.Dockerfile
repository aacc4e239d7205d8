FROM python:3.12-slim-bookworm
WORKDIR /app
COPY app.py ./
USER nobody
CMD ["python", "app.py"]
