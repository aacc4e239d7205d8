from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/health")
def health():
    return jsonify(status="ok")


@app.get("/api/items")
def items():
    return jsonify(items=[{"id": 1, "name": "first"}])
