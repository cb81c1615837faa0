# The Airflow image this project runs on: the official one plus requirements.txt,
# pinned by constraints.txt, and the importable include/ and sandbox/ packages.
# docker-compose.yaml relies on providers the base image already ships (celery,
# postgres, redis, fab), which is why they are not in requirements.txt.
FROM apache/airflow:3.3.2-python3.11

# Debian packages the code runs: antiword reads Word 97-2003 .doc résumés (as `make system-deps`).
USER root
RUN apt-get update \
    && apt-get install -y --no-install-recommends antiword \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*
USER airflow

# As the image's airflow user, into its virtualenv. Naming Airflow's own version keeps
# pip from moving it away from the base image's while resolving the requirements.
COPY --chown=airflow:0 requirements.txt constraints.txt /opt/airflow/project/
RUN pip install --no-cache-dir "apache-airflow==3.3.2" \
        -r /opt/airflow/project/requirements.txt -c /opt/airflow/project/constraints.txt

# dags/ and plugins/ are mounted as volumes (see docker-compose.yaml); include/ is
# baked in so that the image also works without mounts (Kubernetes), and mounted
# over in compose so that edits show without a rebuild.
COPY --chown=airflow:0 include /opt/airflow/include
COPY --chown=airflow:0 sandbox /opt/airflow/sandbox
ENV PYTHONPATH=/opt/airflow:/opt/airflow/plugins
