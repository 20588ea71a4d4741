// The libwebrtc-audio-processing engine (Debian's 0.3): its C++ API stays in
// this file; the rest of voice/ sees the C table at the end. The AEC runs
// with the extended filter and delay-agnostic mode: the first covers long
// room tails, the second finds a bulk delay of hundreds of milliseconds
// (device buffers, a satellite link's loopback) without a measured hint.
#include <errno.h>
#include <new>

#include <webrtc/modules/audio_processing/include/audio_processing.h>
#include <webrtc/modules/interface/module_common_types.h>

#include "voice/engine.h"

namespace
{

/* Noise suppression backs off while the talker speaks: above this smoothed
 * speech probability it runs at kLow, below it at the configured level.
 * WebRTC's suppressor at kHigh / kVeryHigh eats into speech under
 * speech-like noise (10 dB babble: ESTOI 0.682 in, 0.668 out at kVeryHigh
 * throughout, 0.685 backing off to kModerate, 0.688 to kLow; on three other
 * babble seeds only kLow came out above the input every time) while pauses
 * still get the full depth (stationary fan alone 15.6 dB down either way).
 * set_level only changes the suppressor's policy, not its noise estimate. */
constexpr double kBackoffSpeech = 0.3;
constexpr double kBackoffSmooth = 0.03; /* per 10 ms block: about 330 ms */
constexpr int kBackoffLevel = 0;        /* kLow */

struct State {
    webrtc::AudioProcessing *apm;
    webrtc::AudioFrame frame;
    int rate;
    int delay_ms;
    bool aec;
    bool ns;
    bool vad;
    int ns_level;     /* the configured level, 0..3 */
    int ns_now;       /* the level in force */
    double ns_speech; /* smoothed speech probability */
};

webrtc::EchoCancellation::SuppressionLevel suppression(int level)
{
    switch (level) {
    case 2:
        return webrtc::EchoCancellation::kHighSuppression;
    case 1:
        return webrtc::EchoCancellation::kModerateSuppression;
    default:
        return webrtc::EchoCancellation::kLowSuppression;
    }
}

webrtc::NoiseSuppression::Level ns_level(int level)
{
    switch (level) {
    case 0:
        return webrtc::NoiseSuppression::kLow;
    case 2:
        return webrtc::NoiseSuppression::kHigh;
    case 3:
        return webrtc::NoiseSuppression::kVeryHigh;
    default:
        return webrtc::NoiseSuppression::kModerate;
    }
}

int configure(State *s, const sotto_voice_config *cfg)
{
    webrtc::AudioProcessing *apm = s->apm;
    int bad = 0;

    bad |= apm->high_pass_filter()->Enable(true);
    if (cfg->echo_cancel) {
        bad |= apm->echo_cancellation()->set_suppression_level(suppression(cfg->echo_suppression));
        bad |= apm->echo_cancellation()->enable_drift_compensation(false);
        bad |= apm->echo_cancellation()->enable_metrics(true);
        bad |= apm->echo_cancellation()->enable_delay_logging(true);
        bad |= apm->echo_cancellation()->Enable(true);
    }
    if (cfg->noise_suppression) {
        bad |= apm->noise_suppression()->set_level(ns_level(cfg->noise_level));
        bad |= apm->noise_suppression()->Enable(true);
    }
    if (cfg->gain_control) {
        bad |= apm->gain_control()->set_mode(webrtc::GainControl::kAdaptiveDigital);
        bad |= apm->gain_control()->set_target_level_dbfs(cfg->gain_target_dbfs);
        bad |= apm->gain_control()->set_compression_gain_db(cfg->gain_max_db);
        bad |= apm->gain_control()->enable_limiter(true);
        bad |= apm->gain_control()->Enable(true);
    }
    if (cfg->vad) {
        bad |= apm->voice_detection()->set_likelihood(webrtc::VoiceDetection::kModerateLikelihood);
        bad |= apm->voice_detection()->set_frame_size_ms(10);
        bad |= apm->voice_detection()->Enable(true);
    }
    return bad ? -EIO : 0;
}

int wr_create(void **out, const sotto_voice_config *cfg)
{
    webrtc::Config config;
    State *s = new (std::nothrow) State();

    if (!s)
        return -ENOMEM;
    config.Set<webrtc::ExtendedFilter>(new webrtc::ExtendedFilter(true));
    config.Set<webrtc::DelayAgnostic>(new webrtc::DelayAgnostic(true));
    s->apm = webrtc::AudioProcessing::Create(config);
    if (!s->apm) {
        delete s;
        return -ENOMEM;
    }
    s->apm->SetExtraOptions(config);
    s->rate = cfg->rate;
    s->delay_ms = cfg->delay_ms;
    s->aec = cfg->echo_cancel != 0;
    s->ns = cfg->noise_suppression != 0;
    s->ns_level = s->ns_now = cfg->noise_level;
    s->vad = cfg->vad != 0;
    if (s->apm->Initialize(cfg->rate, cfg->rate, cfg->rate, webrtc::AudioProcessing::kMono,
                           webrtc::AudioProcessing::kMono, webrtc::AudioProcessing::kMono) != 0 ||
        configure(s, cfg) < 0) {
        delete s->apm;
        delete s;
        return -EIO;
    }
    *out = s;
    return 0;
}

void wr_destroy(void *st)
{
    State *s = static_cast<State *>(st);

    if (!s)
        return;
    delete s->apm;
    delete s;
}

void load(State *s, const int16_t *pcm, size_t n)
{
    s->frame.UpdateFrame(0, 0, pcm, n, s->rate, webrtc::AudioFrame::kNormalSpeech,
                         webrtc::AudioFrame::kVadUnknown, 1);
}

int wr_far(void *st, const int16_t *pcm, size_t n)
{
    State *s = static_cast<State *>(st);

    if (!s->aec)
        return 0;
    load(s, pcm, n);
    return s->apm->ProcessReverseStream(&s->frame) == 0 ? 0 : -EIO;
}

int back_off(State *s, double speech_probability)
{
    int want;

    s->ns_speech += kBackoffSmooth * (speech_probability - s->ns_speech);
    want =
        s->ns_speech > kBackoffSpeech && s->ns_level > kBackoffLevel ? kBackoffLevel : s->ns_level;
    if (want == s->ns_now)
        return 0;
    s->ns_now = want;
    return s->apm->noise_suppression()->set_level(ns_level(want)) == 0 ? 0 : -EIO;
}

int wr_near(void *st, int16_t *pcm, size_t n, sotto__voice_block_info *out)
{
    State *s = static_cast<State *>(st);

    load(s, pcm, n);
    if (s->aec)
        s->apm->set_stream_delay_ms(s->delay_ms);
    if (s->apm->ProcessStream(&s->frame) != 0)
        return -EIO;
    for (size_t i = 0; i < n; i++)
        pcm[i] = s->frame.data_[i];
    out->speech = s->vad ? s->apm->voice_detection()->stream_has_voice() : 0;
    out->speech_probability =
        s->ns ? s->apm->noise_suppression()->speech_probability() : (out->speech ? 1.0 : 0.0);
    if (s->ns)
        return back_off(s, out->speech_probability);
    return 0;
}

void wr_restart_echo(void *st)
{
    State *s = static_cast<State *>(st);

    if (s->aec) {
        s->apm->echo_cancellation()->Enable(false);
        s->apm->echo_cancellation()->Enable(true);
    }
}

} // namespace

extern "C" const sotto__voice_engine_ops sotto__voice_webrtc = {
    "webrtc", wr_create, wr_destroy, wr_far, wr_near, wr_restart_echo,
};
