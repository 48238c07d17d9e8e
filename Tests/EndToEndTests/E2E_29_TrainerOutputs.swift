import Foundation
import MregTestSupport
import Testing

/// `register` reading metrics and params from trainer outputs in the shapes the libraries write them.
@Suite struct TrainerOutputTests {
    /// What `Trainer.save_metrics("all")` and `Trainer.save_state()` write (json.dumps, indent 4 / 2, sorted keys).
    static func huggingFaceRun(_ out: String) throws {
        try writeFile("\(out)/all_results.json", """
            {
                "epoch": 3.0,
                "eval_accuracy": 0.8725,
                "eval_loss": 0.3412,
                "eval_runtime": 12.5,
                "eval_samples_per_second": 326.4,
                "train_loss": 0.2871,
                "train_runtime": 845.3,
                "train_samples": 3668
            }
            """)
        try writeFile("\(out)/eval_results.json", "{\n    \"epoch\": 3.0,\n    \"eval_accuracy\": 0.8725,\n    \"eval_loss\": 0.3412\n}")
        try writeFile("\(out)/trainer_state.json", """
            {
              "best_metric": 0.8725,
              "best_model_checkpoint": "out/checkpoint-1377",
              "epoch": 3.0,
              "eval_steps": 500,
              "global_step": 1377,
              "is_hyper_param_search": false,
              "is_local_process_zero": true,
              "is_world_process_zero": true,
              "log_history": [
                {"epoch": 1.0, "grad_norm": 4.1, "learning_rate": 3.3e-05, "loss": 0.51, "step": 459},
                {"epoch": 1.0, "eval_accuracy": 0.84, "eval_loss": 0.39, "eval_runtime": 12.1, "step": 459},
                {"epoch": 3.0, "step": 1377, "total_flos": 1.2e15, "train_loss": 0.2871, "train_runtime": 845.3}
              ],
              "logging_steps": 500,
              "max_steps": 1377,
              "num_input_tokens_seen": 0,
              "num_train_epochs": 3,
              "save_steps": 500,
              "total_flos": 1.2e15,
              "train_batch_size": 8,
              "trial_name": null,
              "trial_params": null
            }
            """)
        try writeFile("\(out)/training_args.bin", [0x80, 0x04, 0x95] + randomBytes(64))  // a pickle: never read
        try writeFile("\(out)/model.safetensors", [8, 0, 0, 0, 0, 0, 0, 0] + Array("{}      ".utf8))
    }

    @Test func huggingFaceTrainerOutputsAreReadAndExplicitFlagsWin() throws {
        try withStore { mreg, dir in
            try Self.huggingFaceRun("\(dir)/out")
            let reg = try mreg.run(["register", "bert", "out", "-M", "eval_loss=0.5", "--env", "none"], cwd: dir).succeeded()
            #expect(reg.stdout.contains("read 8 metrics (epoch, eval_accuracy, eval_loss, eval_runtime, …) from all_results.json (Hugging Face Trainer; eval_loss given explicitly instead)"), "\(reg)")
            #expect(reg.stdout.contains("from trainer_state.json (Hugging Face Trainer)"), "\(reg)")
            let show = try #require(try JSONSerialization.jsonObject(with: Data(try mreg.run(["show", "bert", "--json"], cwd: dir).succeeded().stdoutBytes)) as? [String: Any])
            let metrics = try #require(show["metrics"] as? [String: Any])
            let params = try #require(show["params"] as? [String: Any])
            #expect(metrics["eval_accuracy"] as? Double == 0.8725 && metrics["best_metric"] as? Double == 0.8725)
            #expect(metrics["eval_loss"] as? Double == 0.5)  // -M wins
            #expect(params["global_step"] as? Int == 1377 && params["best_model_checkpoint"] as? String == "out/checkpoint-1377")
            #expect(params["train_batch_size"] as? Int == 8 && metrics["train_samples"] as? Int == 3668)

            // --no-auto reads nothing.
            try writeFile("\(dir)/out/extra.txt", "x")
            let plain = try mreg.run(["register", "bert", "out", "--no-auto", "--env", "none"], cwd: dir).succeeded()
            #expect(!plain.stdout.contains("read "), "\(plain)")
            let v2 = try #require(try JSONSerialization.jsonObject(with: Data(try mreg.run(["show", "bert@2", "--json"], cwd: dir).succeeded().stdoutBytes)) as? [String: Any])
            #expect((v2["metrics"] as? [String: Any])?.isEmpty == true && (v2["params"] as? [String: Any])?.isEmpty == true)
        }
    }

    @Test func lightningAndKerasOutputsAreRead() throws {
        try withStore { mreg, dir in
            let logs = "\(dir)/run/lightning_logs/version_0"
            // What save_hyperparameters() and CSVLogger write: train and val on separate rows.
            try writeFile("\(logs)/hparams.yaml", "learning_rate: 0.001\nbatch_size: 32\noptimizer:\n  name: adamw\n  weight_decay: 0.01\n")
            try writeFile("\(logs)/metrics.csv", """
                epoch,step,train_loss,val_acc,val_loss
                0,99,0.71,,
                0,99,,0.62,0.66
                1,199,0.52,,
                1,199,,0.78,0.49

                """)
            try writeFile("\(dir)/run/model.ckpt", randomBytes(128))
            try writeFile("\(dir)/run/history.json", #"{"loss": [0.9, 0.6, 0.41], "accuracy": [0.5, 0.7, 0.83], "val_loss": [1.0, 0.7, 0.52]}"#)
            let reg = try mreg.run(["register", "lit", "run", "--env", "none"], cwd: dir).succeeded()
            #expect(reg.stdout.contains("read 4 params (batch_size, learning_rate, optimizer.name, optimizer.weight_decay) from lightning_logs/version_0/hparams.yaml (PyTorch Lightning)"), "\(reg)")
            #expect(reg.stdout.contains("from lightning_logs/version_0/metrics.csv (PyTorch Lightning)") && reg.stdout.contains("from history.json (Keras)"), "\(reg)")
            let show = try #require(try JSONSerialization.jsonObject(with: Data(try mreg.run(["show", "lit", "--json"], cwd: dir).succeeded().stdoutBytes)) as? [String: Any])
            let metrics = try #require(show["metrics"] as? [String: Any])
            #expect(metrics["val_acc"] as? Double == 0.78 && metrics["train_loss"] as? Double == 0.52 && metrics["step"] as? Int == 199)
            #expect(metrics["accuracy"] as? Double == 0.83)
            #expect((show["params"] as? [String: Any])?["optimizer.name"] as? String == "adamw")
        }
    }

    @Test func anUnreadableTrainerFileIsSkippedWithAWarning() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/out/all_results.json", "{\"eval_loss\": NaN}")
            try writeFile("\(dir)/out/model.bin", randomBytes(16))
            let reg = try mreg.run(["register", "m", "out", "--env", "none"], cwd: dir).succeeded()
            #expect(reg.stderr.contains("all_results.json looks like Hugging Face Trainer output but cannot be read"), "\(reg)")
            #expect(reg.stdout.contains("m v1"))
        }
    }

    @Test func theLatestLightningRunIsReadAndTheOthersAreNamed() throws {
        try withStore { mreg, dir in
            for n in [9, 10] {
                try writeFile("\(dir)/run/lightning_logs/version_\(n)/hparams.yaml", "learning_rate: 0.\(n)\n")
                try writeFile("\(dir)/run/lightning_logs/version_\(n)/metrics.csv", "epoch,val_acc\n0,0.\(n)\n")
            }
            try writeFile("\(dir)/run/model.ckpt", randomBytes(64))
            let reg = try mreg.run(["register", "lit", "run", "--env", "none", "--json"], cwd: dir).succeeded()
            let json = try #require(try JSONSerialization.jsonObject(with: Data(reg.stdoutBytes)) as? [String: Any])
            let read = try #require(json["read"] as? [[String: Any]])
            #expect(read.map { $0["path"] as? String } == ["lightning_logs/version_10/hparams.yaml", "lightning_logs/version_10/metrics.csv"], "\(reg)")
            #expect(read.first?["trainer"] as? String == "PyTorch Lightning" && read.first?["params"] as? [String] == ["learning_rate"])
            let warnings = try #require(json["warnings"] as? [String])
            #expect(warnings.contains { $0.contains("version_10/hparams.yaml") && $0.contains("passed over lightning_logs/version_9/hparams.yaml") }, "\(warnings)")
            let show = try #require(try JSONSerialization.jsonObject(with: Data(try mreg.run(["show", "lit", "--json"], cwd: dir).succeeded().stdoutBytes)) as? [String: Any])
            #expect((show["params"] as? [String: Any])?["learning_rate"] as? Double == 0.1)
        }
    }
}
