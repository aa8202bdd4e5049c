# One image for both the API and the worker; the command chooses which runs.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 TRUTHGRAPH_DATA_DIR=/var/lib/truthgraph
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY pyproject.toml README.md ./
COPY truthgraph ./truthgraph
RUN pip install --no-cache-dir --no-deps . && useradd --create-home truthgraph \
    && mkdir -p /var/lib/truthgraph && chown truthgraph /var/lib/truthgraph
USER truthgraph
EXPOSE 8000
CMD ["truthgraph", "serve", "--host", "0.0.0.0", "--port", "8000"]
