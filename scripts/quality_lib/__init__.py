"""Sotto codec quality harness: objective speech-quality metrics and codec baselines.

Modules:
    audio_io  WAV reading/writing, sox conversion, running external programs
    align     cross-correlation alignment of a decoded signal to its reference
    stoi      STOI (Taal et al. 2011) and ESTOI (Jensen & Taal 2016)
    spectral  log-spectral distance and mel-cepstral distortion
    wer       word error rate and the pocketsphinx recogniser wrapper
    ogg       minimal Ogg page/packet reader (bitrate measurement, packet access)
    loss      packet-loss patterns and Opus decoding with concealment (libopus)
    noise     deterministic additive noise at a given SNR
    pesq      wideband PESQ (P.862.2) through an external measuring program
    codecs    encode+decode pipelines of the baseline codecs and command templates
    corpus    speech file discovery and manifest.tsv transcripts
    evaluate  per-file evaluation of every system and condition
    report    aggregation, markdown table, CSV and plots
    cli       command-line entry point used by scripts/quality
"""
