FROM python:3.11-slim
WORKDIR /app
COPY . /app
RUN pip install --no-cache-dir . && useradd --create-home spaser && mkdir -p /data && chown spaser /data
USER spaser
ENV PYTHONUNBUFFERED=1
VOLUME ["/data"]
# Le jeton se passe par l'environnement : docker run -e SPASER_BOT_TOKEN=... -v spaser-data:/data
CMD ["sh", "-c", "printf 'storage:\\n  path: /data/spaser.db\\nexports_dir: /data/exports\\n' > /tmp/config.yaml && exec spaser-bot run --config ${SPASER_CONFIG:-/tmp/config.yaml}"]
