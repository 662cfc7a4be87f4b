# Writes shared/catalog/default-catalog.json from the seed documents' price tables (run by hand when prices change).
import json

MC = 1000
def mc(credits): return round(credits * MC)

REFLY = "Refly credits guide (seeds/003)"
APIFRAME = "Apiframe image credits (seeds/004)"
STD_MODE = [{"id": "standard", "label": "Standard", "multiplierPermille": 1000}]
AF_MODES = [
    {"id": "fast", "label": "Fast", "multiplierPermille": 1000},
    {"id": "relax", "label": "Relax", "multiplierPermille": 500},
    {"id": "turbo", "label": "Turbo", "multiplierPermille": 2000, "minLevel": "standard"},
]
RES = [
    {"id": "1024x1024", "label": "Square 1024", "width": 1024, "height": 1024, "multiplierPermille": 1000},
    {"id": "1344x768", "label": "Landscape 1344×768", "width": 1344, "height": 768, "multiplierPermille": 1000},
    {"id": "768x1344", "label": "Portrait 768×1344", "width": 768, "height": 1344, "multiplierPermille": 1000},
    {"id": "2048x2048", "label": "Square 2048 (×4)", "width": 2048, "height": 2048, "multiplierPermille": 4000, "minLevel": "advanced"},
]
models = []
def slug(s): return s.lower().replace(" ", "-").replace("(", "").replace(")", "").replace(".", "-").replace("/", "-").replace("--", "-")

for name, credits, mid in [
    ("Claude Sonnet 4", 11, "claude-sonnet-4"), ("Claude Opus 4", 53, "claude-opus-4"),
    ("Claude 3.7 Sonnet (thinking)", 11, "claude-3-7-sonnet-thinking"), ("Kimi K2", 2, "kimi-k2"),
    ("GPT-4o", 7, "gpt-4o"), ("GPT-4.1", 6, "gpt-4-1"), ("Gemini 2.5 Pro", 7, "gemini-2-5-pro"),
    ("Gemini 2.5 Flash", 2, "gemini-2-5-flash"), ("DeepSeek V3 0324", 1, "deepseek-v3-0324"),
    ("DeepSeek R1 0528", 2, "deepseek-r1-0528"), ("Grok 4", 10, "grok-4"), ("Qwen3 Coder", 3, "qwen3-coder")]:
    models.append({"id": mid, "name": name, "provider": "refly", "modality": "text", "tier": "ga", "source": REFLY,
        "pricing": {"meter": "tokens", "blockTokens": 5000, "inputMcPerBlock": mc(credits), "outputMcPerBlock": mc(credits),
                    "rounding": "perBlock", "maxPromptChars": 20000, "promptOverheadTokens": 200,
                    "maxOutputTokens": 8000, "defaultOutputTokens": 1000}})

for name, credits, mid, tier in [
    ("Flux 1.1 pro ultra", 9, "flux-1-1-pro-ultra", "ga"), ("Flux 1.1 pro", 6, "flux-1-1-pro", "ga"),
    ("FLUX.1 Dev", 4, "flux-dev", "dev"), ("FLUX.1 Schnell", 1, "flux-schnell", "basic"),
    ("Recraft v3", 6, "recraft-v3", "ga"), ("Recraft v3 SVG", 12, "recraft-v3-svg", "ga"),
    ("Imagen 4", 6, "imagen-4", "ga"), ("Imagen 4 Fast", 3, "imagen-4-fast", "ga"),
    ("Imagen 4 Ultra", 9, "imagen-4-ultra", "ga"), ("Seedream 3.0 t2i", 6, "doubao-seedream-3-0-t2i", "ga")]:
    models.append({"id": mid, "name": name, "provider": "refly", "modality": "image", "tier": tier, "source": REFLY,
        "pricing": {"meter": "image", "mcPerImage": mc(credits), "resolutions": RES, "modes": STD_MODE, "maxCount": 16}})

for name, credits, mid, tier in [
    ("Veo 3 Fast (Audio)", 448, "veo-3-fast-audio", "video"), ("Veo 3", 840, "veo-3", "video"),
    ("Seedance 1 Pro", 14, "seedance-1-pro", "video"), ("Seedance 1 Lite", 9.8, "seedance-1-lite", "video"),
    ("Kling v2.1 Master", 196, "kling-v2-1-master", "video")]:
    models.append({"id": mid, "name": name, "provider": "refly", "modality": "video", "tier": tier, "source": REFLY,
        "pricing": {"meter": "second", "mcPerSecond": mc(credits), "minSeconds": 1, "maxSeconds": 10, "defaultSeconds": 5, "modes": STD_MODE}})

for name, credits, mid in [("Bark", 10, "suno-ai-bark"), ("ACE-Step", 1, "lucataco-ace-step"), ("AudioLDM", 10, "haoheliu-audio-ldm")]:
    models.append({"id": mid, "name": name, "provider": "refly", "modality": "audio", "tier": "ga", "source": REFLY,
        "pricing": {"meter": "use", "mcPerUse": mc(credits), "modes": STD_MODE}})

for name, credits, mid, modality in [
    ("Midjourney Imagine", 4, "mj-imagine", "image"), ("Midjourney Reroll", 4, "mj-reroll", "action"),
    ("Midjourney Blend", 4, "mj-blend", "action"), ("Midjourney Variations", 4, "mj-variations", "action"),
    ("Midjourney Outpaint", 4, "mj-outpaint", "action"), ("Midjourney Inpaint", 4, "mj-inpaint", "action"),
    ("Midjourney Pan", 4, "mj-pan", "action"), ("Midjourney Describe", 2, "mj-describe", "action"),
    ("Midjourney Shorten", 2, "mj-shorten", "action"), ("Midjourney Seed", 2, "mj-seed", "action"),
    ("Upscale 1x", 2, "mj-upscale-1x", "action"), ("Faceswap (high resolution)", 2, "mj-faceswap", "action"),
    ("Upscale 2x", 1, "mj-upscale-2x", "action"), ("Upscale 4x", 2, "mj-upscale-4x", "action"),
    ("Upscale (subtle)", 4, "mj-upscale-subtle", "action"), ("Upscale (creative)", 4, "mj-upscale-creative", "action"),
    ("Luma Imagine", 6, "luma-imagine", "video"), ("Luma Extend", 6, "luma-extend", "action"),
    ("Suno Imagine", 2, "suno-imagine", "audio"), ("Suno Extend", 2, "suno-extend", "action"), ("Suno Lyrics", 1, "suno-lyrics", "action"),
    ("Flux (Apiframe)", 1, "apiframe-flux", "image"), ("Ideogram", 1, "ideogram", "image"),
    ("Udio 32 v1.5", 1, "udio32-v1-5", "audio"), ("Udio 130 v1.5", 2, "udio130-v1-5", "audio"),
    ("Runway ML", 4, "runway-ml", "video"), ("Kling Imagine", 5, "kling-imagine", "video"),
    ("Kling Virtual Try On", 3, "kling-virtual-try-on", "action"),
    ("AI Photos Upload and Prepare", 2, "ai-photos-prepare", "action"), ("AI Photos Generate", 1, "ai-photos-generate", "action")]:
    tier = "video" if modality == "video" else "ga"
    models.append({"id": mid, "name": name, "provider": "apiframe", "modality": modality, "tier": tier, "source": APIFRAME,
        "pricing": {"meter": "action", "mcPerAction": mc(credits), "modes": AF_MODES, "maxCount": 16}})

TEXT_OUT = {"mj-describe", "mj-shorten", "mj-seed", "suno-lyrics"}
for m in models:
    if m["id"] in TEXT_OUT: m["output"] = "text"

models.append({"id": "ai-photos-train", "name": "AI Photos Train Model", "provider": "apiframe", "modality": "training", "tier": "ga",
    "source": APIFRAME, "pricing": {"meter": "trainingImage", "mcPerImage": mc(4), "minImages": 1, "maxImages": 30}})

workflows = [
    {"id": "storyboard-4-panel", "name": "4-panel storyboard", "blocks": [
        {"modelId": "gpt-4-1", "label": "Write the panels", "params": {"maxOutputTokens": 2000}},
        {"modelId": "flux-schnell", "label": "Draw the panels", "params": {"count": 4}}]},
    {"id": "imagine-then-upscale", "name": "Imagine, then upscale 2x", "blocks": [
        {"modelId": "mj-imagine", "label": "Imagine", "params": {}},
        {"modelId": "mj-upscale-2x", "label": "Upscale 2x", "params": {}}]},
]

none = {"kind": "none"}; full = {"kind": "full"}
def lim(n): return {"kind": "limited", "runsPerDay": n}
def tiers(basic, dev, ga, video, uncensored, beta):
    return {"basic": basic, "dev": dev, "ga": ga, "video": video, "uncensored": uncensored, "beta": beta}

def plan(pid, name, trial, daily, runs, billing, batch, prio, level, access, tw, ty, models_access=None, legacy=False):
    return {"id": pid, "name": name, "legacy": legacy, "trialMc": mc(trial), "dailyFreeMc": mc(daily), "dailyRunLimit": runs,
            "billing": billing, "batchSize": batch, "queuePriority": prio, "parameterLevel": level,
            "access": {"tiers": access, "models": models_access or {}}, "trainingAllowance": {"perWeek": tw, "perYear": ty}}

def bill(wk, wk_price, yr, yr_price):
    return [{"period": "weekly", "creditsMc": mc(wk), "priceMinor": wk_price}, {"period": "yearly", "creditsMc": mc(yr), "priceMinor": yr_price}]

plans = [
    plan("free", "Free", 50, 10, 100, [], 1, "standard", "basic", tiers(full, lim(5), none, lim(2), none, none), None, None),
    plan("starter", "Starter", 0, 0, None, bill(200, 499, 10400, 19900), 4, "priority", "standard", tiers(full, full, full, full, none, none), None, 2),
    plan("pro", "Pro", 0, 0, None, bill(450, 999, 23400, 39900), 8, "priority", "advanced", tiers(full, full, full, full, full, none), 1, 12),
    plan("ultra", "Ultra", 0, 0, None, bill(1000, 1999, 52000, 79900), 16, "fastest", "full", tiers(full, full, full, full, full, full), 5, 50),
    plan("max", "Max", 0, 0, None, bill(2000, 3999, 104000, 159900), None, "instant", "full", tiers(full, full, full, full, full, full), 10, 100),
    plan("legacy-early-bird", "Early Bird Unlimited (legacy)", 0, 0, None, [{"period": "monthly", "creditsMc": mc(2000), "priceMinor": 2000}],
         8, "priority", "advanced", tiers(full, full, full, full, none, none), None, None,
         models_access={m: {"kind": "unlimited"} for m in ["claude-sonnet-4", "claude-3-7-sonnet-thinking", "kimi-k2", "gpt-4o", "gpt-4-1",
                        "gemini-2-5-pro", "gemini-2-5-flash", "deepseek-v3-0324", "deepseek-r1-0528", "grok-4", "qwen3-coder"]}, legacy=True),
]

packs = [
    {"id": "pack-200", "name": "200 credits", "creditsMc": mc(200), "priceMinor": 199},
    {"id": "pack-1100", "name": "1,100 credits", "creditsMc": mc(1100), "priceMinor": 999},
    {"id": "pack-6000", "name": "6,000 credits", "creditsMc": mc(6000), "priceMinor": 4999},
    {"id": "pack-25000", "name": "25,000 credits (business)", "creditsMc": mc(25000), "priceMinor": 19999},
    {"id": "pack-130000", "name": "130,000 credits (business)", "creditsMc": mc(130000), "priceMinor": 100000},
]

EU = ["AT","BE","BG","HR","CY","CZ","DK","EE","FI","FR","DE","GR","HU","IE","IT","LV","LT","LU","MT","NL","PL","PT","RO","SK","SI","ES","SE"]
catalog = {"schemaVersion": 1, "version": "2026-11-22.1", "currency": "USD",
    "policies": {"freshnessMs": 24 * 3600 * 1000, "lowBalancePercent": 20, "lowBalanceMinMc": mc(10),
                 "expiryWarningMs": 3 * 24 * 3600 * 1000, "holdTimeoutMs": 15 * 60 * 1000,
                 "purchaseCountries": ["US", "GB", "CA", "AU", "NZ", "SG", "HK"] + EU},
    "models": models, "workflows": workflows, "plans": plans, "packs": packs}
json.dump(catalog, open("shared/catalog/default-catalog.json", "w"), indent=1)
print(len(models), "models")
