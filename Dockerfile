# The Airflow image this project runs on: the official one plus requirements.txt,
# pinned by constraints.txt, and the importable include/ and sandbox/ packages.
FROM apache/airflow:3.3.2-python3.11

COPY --chown=airflow:0 requirements.txt constraints.txt /opt/airflow/project/
RUN pip install --no-cache-dir "apache-airflow==3.3.2" \
        -r /opt/airflow/project/requirements.txt -c /opt/airflow/project/constraints.txt

# dags/ and plugins/ are mounted as volumes (see docker-compose.yaml); include/ is
# baked in so that the image also works without mounts (Kubernetes), and mounted
# over in compose so that edits show without a rebuild.
COPY --chown=airflow:0 include /opt/airflow/include
COPY --chown=airflow:0 sandbox /opt/airflow/sandbox
ENV PYTHONPATH=/opt/airflow:/opt/airflow/plugins
