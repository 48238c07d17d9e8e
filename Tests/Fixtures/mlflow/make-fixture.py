#!/usr/bin/env python3
"""Makes the MLflow fixtures of the `mreg import mlflow` tests with real MLflow 3.x.

    python3 -m venv /tmp/mlflowenv && /tmp/mlflowenv/bin/pip install mlflow==3.1.4
    cd Tests/Fixtures/mlflow && rm -rf sqlite filestore sqlite-later && LOGNAME=ada USER=ada /tmp/mlflowenv/bin/python make-fixture.py

Writes sqlite/ (mlflow.db, artefacts under sqlite/mlruns/) and filestore/mlruns/ (a file
store with its artefacts), each with the same content, and expected.json beside them (the
ids, users and times MLflow gave, which the tests compare with what mreg imported).

Then writes sqlite-later/mlflow.db: a copy of sqlite/mlflow.db after later changes made in
MLflow (`later`), for the re-import tests (they copy sqlite/ and put this database over its
own). `make-fixture.py --later` makes only that, from the committed sqlite/.

MLflow records absolute artefact paths (/tmp/mreg-mlflow-fixture-…/sqlite/mlruns/1/RUN/artifacts:
the fixture is made in a temporary folder that is gone afterwards); the tests copy a fixture
to a temporary folder, where mreg finds the artefacts by the part of the path from the last
`mlruns` folder on, relative to the store's folder (COMMANDS.md, import mlflow).
"""
import json
import os
import random
import warnings

warnings.filterwarnings("ignore")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
import mlflow  # noqa: E402
from mlflow import MlflowClient  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def artefacts(folder, seed, lr):
    """A small model folder: a 4 KiB weights file and a config."""
    os.makedirs(folder, exist_ok=True)
    rng = random.Random(seed)
    with open(os.path.join(folder, "weights.bin"), "wb") as f:
        f.write(bytes(rng.randrange(256) for _ in range(4096)))
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump({"layers": 2, "lr": lr}, f)


def populate(uri, work):
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    client = MlflowClient(uri, uri)
    mlflow.set_experiment("fraud")
    facts = {"models": {}}
    runs = []
    for i, (lr, aucs) in enumerate([(0.01, [0.85, 0.91]), (0.02, [0.88, 0.93])]):
        with mlflow.start_run() as run:
            mlflow.log_params({"lr": lr, "epochs": 10, "optimizer": "adam"})
            for step, auc in enumerate(aucs):
                mlflow.log_metric("auc", auc, step=step)
            mlflow.log_metric("loss", 0.5 - i / 10)
            folder = os.path.join(work, f"model-{i}")
            artefacts(folder, seed=i, lr=lr)
            mlflow.log_artifacts(folder, artifact_path="model")
            runs.append(run.info.run_id)
    client.create_registered_model("fraud-detector", description="Flags fraudulent card payments.")
    for run_id in runs:
        client.create_model_version("fraud-detector", f"runs:/{run_id}/model", run_id=run_id)
    client.update_model_version("fraud-detector", "2", description="Higher learning rate; better AUC.")
    client.set_model_version_tag("fraud-detector", "2", "validated", "true")
    client.set_registered_model_alias("fraud-detector", "champion", "2")
    client.transition_model_version_stage("fraud-detector", "1", "Production")
    client.transition_model_version_stage("fraud-detector", "2", "Staging")

    # A second model, for --model.
    mlflow.set_experiment("churn")
    with mlflow.start_run() as run:
        mlflow.log_param("depth", 6)
        mlflow.log_metric("f1", 0.7)
        folder = os.path.join(work, "churn")
        artefacts(folder, seed=9, lr=0.1)
        mlflow.log_artifacts(folder, artifact_path="model")
        churn_run = run.info.run_id
    client.create_registered_model("churn")
    client.create_model_version("churn", f"runs:/{churn_run}/model", run_id=churn_run)

    for name in ["fraud-detector", "churn"]:
        versions = sorted(client.search_model_versions(f"name='{name}'"), key=lambda v: int(v.version))
        facts["models"][name] = [
            {"version": int(v.version), "run_id": v.run_id, "user": v.user_id or "",
             "creation_timestamp": v.creation_timestamp, "source": v.source, "stage": v.current_stage}
            for v in versions
        ]
    return facts


def later(db):
    """Changes made in MLflow after a first import: an alias moved, stages changed, a tag
    changed and one added, a description set, a version deleted and a new one registered."""
    uri = "sqlite:///" + db
    client = MlflowClient(uri, uri)
    client.set_registered_model_alias("fraud-detector", "champion", "1")
    client.transition_model_version_stage("fraud-detector", "1", "Archived")
    client.transition_model_version_stage("fraud-detector", "2", "Production")
    client.set_model_version_tag("fraud-detector", "2", "validated", "false")
    client.set_model_version_tag("fraud-detector", "1", "reviewer", "grace")
    client.update_model_version("fraud-detector", "1", description="Baseline.")
    churn = client.get_model_version("churn", "1")
    client.create_model_version("churn", churn.source, run_id=churn.run_id)
    client.delete_model_version("churn", "1")


def make_later():
    import shutil
    import tempfile

    made = tempfile.mkdtemp(prefix="mreg-mlflow-later-")
    shutil.copy(os.path.join(HERE, "sqlite", "mlflow.db"), os.path.join(made, "mlflow.db"))
    cwd = os.getcwd()
    os.chdir(made)
    try:
        later(os.path.join(made, "mlflow.db"))
    finally:
        os.chdir(cwd)
    target = os.path.join(HERE, "sqlite-later")
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(target)
    shutil.move(os.path.join(made, "mlflow.db"), os.path.join(target, "mlflow.db"))
    shutil.rmtree(made)


def main():
    import shutil
    import sys

    if sys.argv[1:] == ["--later"]:
        make_later()
        return
    import tempfile

    out = {"mlflow": mlflow.__version__}
    work = tempfile.mkdtemp()
    # Made in a temporary folder, then moved here: the absolute paths MLflow records lead
    # nowhere, so the tests always exercise finding the artefacts beside the store.
    made = tempfile.mkdtemp(prefix="mreg-mlflow-fixture-")
    sqlite_dir = os.path.join(made, "sqlite")
    os.makedirs(sqlite_dir, exist_ok=True)
    cwd = os.getcwd()
    os.chdir(sqlite_dir)  # the default artifact root is ./mlruns beside mlflow.db
    try:
        out["sqlite"] = populate("sqlite:///" + os.path.join(sqlite_dir, "mlflow.db"), work)
    finally:
        os.chdir(cwd)
    file_dir = os.path.join(made, "filestore", "mlruns")
    os.makedirs(os.path.dirname(file_dir), exist_ok=True)
    out["filestore"] = populate("file://" + file_dir, work)
    shutil.rmtree(work)
    for name in ["sqlite", "filestore"]:
        shutil.rmtree(os.path.join(HERE, name), ignore_errors=True)
        shutil.move(os.path.join(made, name), os.path.join(HERE, name))
    shutil.rmtree(made)
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(out, f, indent=2, sort_keys=True)
        f.write("\n")
    make_later()


if __name__ == "__main__":
    main()
