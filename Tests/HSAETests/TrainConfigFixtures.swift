/// RUN/config.json's "config" as the binary before ModelOptions (d7ac6d4) wrote it, for three
/// `hsae train` runs on the same flags (--m1 32 --m2 8 --activation topk --bottom-l0 4 --batch 256
/// --microbatch 128 --steps 4,2,2 --checkpoint-every 4): the HSAE with --top-l0 2, --baseline and
/// --baseline matryoshka. Cut out of the files and de-indented by the object's two spaces.
enum TrainConfigFixtures {
    static let hsae = """
    {
      "baseline" : false,
      "batch" : 256,
      "bottomActivation" : "topk",
      "bottomTarget" : {
        "l0" : 4
      },
      "checkpointEvery" : 4,
      "clipNorm" : 1,
      "controllerGain" : 0.002,
      "deadWindowTokens" : 1000000,
      "decay" : 0.2,
      "disabledTerms" : [

      ],
      "evalFraction" : 0.05,
      "gate" : "learned",
      "logEvery" : 10,
      "lr" : 0.001,
      "m1" : 32,
      "m2" : 8,
      "microbatch" : 128,
      "phase3LRFactor" : 0.1,
      "phaseSteps" : [
        4,
        2,
        2
      ],
      "phased" : true,
      "reduction" : "exact",
      "scaleSampleRows" : 8192,
      "seed" : 0,
      "skipNonfinite" : false,
      "topActivation" : "topk",
      "topDecoderNonNegative" : true,
      "topTarget" : {
        "l0" : 2
      },
      "warmup" : 0.01,
      "watchdogSeconds" : 600,
      "weights" : {
        "auxK" : 0.03125,
        "betaGate" : 0.01,
        "betaMI" : 1,
        "betaOrth" : 1,
        "betaTop" : 0.1,
        "betaTopOnly" : 0,
        "lambda1" : 1,
        "lambda2" : 1,
        "orthSample" : 512
      }
    }
    """
    static let flat = """
    {
      "baseline" : true,
      "batch" : 256,
      "bottomActivation" : "topk",
      "bottomTarget" : {
        "l0" : 4
      },
      "checkpointEvery" : 4,
      "clipNorm" : 1,
      "controllerGain" : 0.002,
      "deadWindowTokens" : 1000000,
      "decay" : 0.2,
      "disabledTerms" : [

      ],
      "evalFraction" : 0.05,
      "gate" : "learned",
      "logEvery" : 10,
      "lr" : 0.001,
      "m1" : 32,
      "m2" : 8,
      "microbatch" : 128,
      "phase3LRFactor" : 0.1,
      "phaseSteps" : [
        4,
        2,
        2
      ],
      "phased" : true,
      "reduction" : "exact",
      "scaleSampleRows" : 8192,
      "seed" : 0,
      "skipNonfinite" : false,
      "topActivation" : "topk",
      "topDecoderNonNegative" : true,
      "topTarget" : {
        "sparsity" : 0.7
      },
      "warmup" : 0.01,
      "watchdogSeconds" : 600,
      "weights" : {
        "auxK" : 0.03125,
        "betaGate" : 0.01,
        "betaMI" : 1,
        "betaOrth" : 1,
        "betaTop" : 0.1,
        "betaTopOnly" : 0,
        "lambda1" : 1,
        "lambda2" : 1,
        "orthSample" : 512
      }
    }
    """
    static let matryoshka = """
    {
      "baseline" : true,
      "batch" : 256,
      "bottomActivation" : "topk",
      "bottomTarget" : {
        "l0" : 4
      },
      "checkpointEvery" : 4,
      "clipNorm" : 1,
      "controllerGain" : 0.002,
      "deadWindowTokens" : 1000000,
      "decay" : 0.2,
      "disabledTerms" : [

      ],
      "evalFraction" : 0.05,
      "gate" : "learned",
      "logEvery" : 10,
      "lr" : 0.001,
      "m1" : 32,
      "m2" : 8,
      "matryoshkaGroups" : [
        8,
        16,
        16
      ],
      "microbatch" : 128,
      "phase3LRFactor" : 0.1,
      "phaseSteps" : [
        4,
        2,
        2
      ],
      "phased" : true,
      "reduction" : "exact",
      "scaleSampleRows" : 8192,
      "seed" : 0,
      "skipNonfinite" : false,
      "topActivation" : "topk",
      "topDecoderNonNegative" : true,
      "topTarget" : {
        "sparsity" : 0.7
      },
      "warmup" : 0.01,
      "watchdogSeconds" : 600,
      "weights" : {
        "auxK" : 0.03125,
        "betaGate" : 0.01,
        "betaMI" : 1,
        "betaOrth" : 1,
        "betaTop" : 0.1,
        "betaTopOnly" : 0,
        "lambda1" : 1,
        "lambda2" : 1,
        "orthSample" : 512
      }
    }
    """
}
