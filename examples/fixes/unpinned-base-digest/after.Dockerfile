FROM python:3.12-slim-bookworm@sha256:2ec5a4a5c3e919570f57675471f081d6299668d909feabd8d4803c6c61af666c
WORKDIR /app
COPY app.py ./
USER nobody
CMD ["python", "app.py"]
