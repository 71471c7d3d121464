# CNN Playground as a container: `docker build -t cnn-playground . && docker run -p 8501:8501 cnn-playground`
# Mount datasets for an offline room: `-v /path/to/data:/data` (CNN_PLAYGROUND_DATA_DIR below).
# With Ray (app replicas and Ray nodes of docker-compose.yml, deploy/kuberay-raycluster.yaml):
# `docker build --build-arg WITH_RAY=1 -t cnn-playground:ray .`
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    CNN_PLAYGROUND_DATA_DIR=/data \
    CNN_PLAYGROUND_CACHE_DIR=/cache

WORKDIR /app
# The CPU build of torch: a tenth of the size of the default CUDA wheels.
RUN pip install torch torchvision --index-url https://download.pytorch.org/whl/cpu
COPY requirements.txt requirements-ray.txt ./
RUN pip install -r requirements.txt
ARG WITH_RAY=0
RUN if [ "$WITH_RAY" = "1" ]; then pip install -r requirements-ray.txt; fi
COPY app.py server.py ./
COPY .streamlit ./.streamlit
COPY cnn_core ./cnn_core
COPY pages ./pages
COPY ui ./ui
COPY docs ./docs

RUN useradd --create-home playground && mkdir -p /data /cache && chown playground /data /cache
USER playground
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health')"
CMD ["streamlit", "run", "server.py", "--server.address=0.0.0.0", "--server.port=8501"]
