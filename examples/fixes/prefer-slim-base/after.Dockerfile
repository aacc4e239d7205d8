ARG PYTHON_VERSION=3.12
FROM python:${PYTHON_VERSION}-slim-bookworm
WORKDIR /app
COPY app.py ./
USER nobody
CMD ["python", "app.py"]
