# solescan HTTP service: `docker build -t solescan .`
#   docker run -v solescan-data:/data solescan solescan keys create --clinic "North Clinic"
#   docker run -d -p 8000:8000 -v solescan-data:/data solescan
# Listening on 0.0.0.0, the service refuses to start until a clinic API key exists.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md constraints.txt ./
COPY model ./model
COPY service ./service
# The wheel carries the trained model (model/artifacts) and the migrations (service/);
# its dependencies are installed at the versions the figures were measured with.
RUN pip wheel --no-deps --wheel-dir /wheels . \
    && python -m venv /opt/solescan \
    && /opt/solescan/bin/pip install --constraint constraints.txt /wheels/*.whl

FROM python:3.11-slim
ENV PATH=/opt/solescan/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SOLESCAN_DATA_DIR=/data \
    SOLESCAN_HOST=0.0.0.0 \
    SOLESCAN_PORT=8000
RUN useradd --system --uid 10001 --user-group --home-dir /data --create-home solescan
COPY --from=build /opt/solescan /opt/solescan
# Fail the build, not the first request, if the baked-in model does not load here.
RUN python -c "from model.analyze import load_analyzer; print(load_analyzer().version)"
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# One worker per available core (cgroup CPU limits respected), keys required off loopback.
CMD ["solescan", "serve", "--host", "0.0.0.0", "--port", "8000"]
