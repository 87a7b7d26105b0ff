"""A deterministic synthetic content tree for benchmarks: N distinct papers, shaped like the real digests.

    python3 benchmarks/corpus.py N OUT_DIR [--seed S] [--start YYYY-MM-DD]

writes, into OUT_DIR (which becomes a site's `content/` folder):

- daily arXiv digests in Format A at `arxiv/<YYYY-MM-DD>/<channel>.md`, one folder per weekday
  (consecutive weekdays), a few channels a day (cs.CL, cs.LG, cs.AI, cs.CV, stat.ML, …), about
  100-700 papers a file. The dates straddle the feed's change of style, as the real corpus does:
  before 2024-01-31 the old feed's title lines (`Title. (arXiv:2310.00212v1 [cs.CL])`, with
  ` UPDATED` and ` CROSS LISTED`) and `http://` links; 2024-01-31 to 2024-02-14 both styles in
  one file (the new one: bare titles, `https://` links); from 2024-02-15 the new style with
  `arXiv:ID Announce Type: new Abstract: ` opening the English abstract (new, cross, replace,
  replace-cross; one space before `Abstract:` in 2024, two from 2025 on, as in the 2026 corpus: when
  it changed is not known, 2025 is a guess), a
  few old-style blocks until mid-March 2024 and a few `https://rss.arxiv.org` links in February
  2024. Dates before 2023-03-14 get the oldest layout (no summaries), the week after it an
  English summary. English abstracts are cut at 1,000 characters (announce prefix included) the
  way upstream cut them, a few of them some characters short, as folded newlines left them.
- venue collections in Format B at `venues/<venue-year>/<topic>.md` for about 7 % of the papers;
  about 40 % of those are also in a daily digest under the very same title (so that the site
  merges them by normalised title), the rest are venue-only papers.

About a fifth of the appearances repeat a paper: cross-listed in another channel the same day,
or UPDATED (replaced, with a higher version) on a later day; same arXiv ID, same title and same
text, so the site merges them. `N` counts distinct papers: the site must publish exactly N.
Titles are unique after the site's normalisation (NFKC, case folding, letters and digits only),
and arXiv IDs are unique new-style IDs whose YYMM is the date of the paper's first appearance.

Everything comes from one `random.Random(seed)` consumed in a fixed order, so the same N and
seed give byte-identical files. Files are written one day at a time; what is held is only the
papers waiting for a later update (a window of a few weeks), the titles that venue files will
repeat, and the normalised titles seen so far (which keep titles unique): about 60 MB at N = 100,000.
Importable: `generate(n_papers, out, seed=0, start=None) -> Summary`. `--start` moves the dates
(by default they are centred on 2024-02-15, so that even a small corpus holds both title styles).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import math
import random
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# --- shape of the corpus -----------------------------------------------------------------------

TRUNCATION_LIMIT = 1000  # upstream cut English abstracts (announce prefix included) at this length
DAILY_VOLUME = 2000  # appearances a day, spread over the day's channels
FILE_WEIGHT = (100, 700)  # relative size of one channel's file, and about its paper count
PAPERS_PER_CHANNEL = 400
CROSS_LIST = 0.11  # share of new papers also listed in a second channel the same day
UPDATE = 0.12  # share of papers listed again, UPDATED with a higher version, on a later day
UPDATE_AGAIN = 0.15  # share of updated papers updated once more
VENUE_SHARE = 0.07  # share of the N papers in a venue collection
VENUE_ALSO_ARXIV = 0.4  # share of venue papers also in a daily digest
VENUE_FILE = (60, 300)
EMPTY_DIGEST = 0.02  # days with one more channel file that lists nothing (upstream writes those)

_VOWELS = frozenset("aeiouAEIOU")
SENTENCE_END = tuple(".!?。！？)）\"'”’")

# The feed's history, by date (see FORMATS.md and the corpus in ../shared/corpus).
OLDEST_LAYOUT_UNTIL = dt.date(2023, 3, 14)  # before: no summaries (title line, URL, two abstracts)
EN_SUMMARY_UNTIL = dt.date(2023, 3, 21)  # before: the English summary is filled in
MIXED_FROM = dt.date(2024, 1, 31)  # new-style titles appear beside old-style ones
ANNOUNCE_FROM = dt.date(2024, 2, 15)  # new-style abstracts open with the announce prefix…
ANNOUNCE_ALWAYS_FROM = dt.date(2024, 3, 1)  # …all of them from here (a few lack it before)
OLD_STYLE_UNTIL = dt.date(2024, 3, 15)  # the last old-style blocks
RSS_HOST = (dt.date(2024, 2, 1), dt.date(2024, 2, 29))  # a few links at rss.arxiv.org
WIDE_ANNOUNCE_FROM = dt.date(2025, 1, 1)  # `Announce Type: new  Abstract:` (two spaces) as in 2026; a guess

CHANNELS: dict[str, float] = {  # listing channel → how often it has a file on a given day
    "cs.LG": 10,
    "cs.CL": 9,
    "cs.AI": 8,
    "cs.CV": 8,
    "stat.ML": 5,
    "cs.IR": 3,
    "cs.RO": 3,
    "cs.CR": 3,
    "cs.SD": 2,
    "eess.AS": 2,
    "cs.NE": 2,
    "econ": 1,
}
OTHER_CATEGORIES = ("cs.HC", "cs.SI", "q-bio.QM", "math.OC", "stat.ME", "cs.DB", "physics.comp-ph", "eess.IV")
CHANNEL_CATEGORIES = {"econ": ("econ.EM", "econ.GN", "econ.TH")}

VENUES = (
    ("NeurIPS", 2023, "https://neurips.cc/virtual/2023/poster/{n}"),
    ("ICML", 2023, "https://icml.cc/virtual/2023/poster/{n}"),
    ("ICLR", 2024, "https://iclr.cc/virtual/2024/poster/{n}"),
    ("ACL", 2023, "https://aclanthology.org/2023.acl-long.{n}/"),
    ("EMNLP", 2023, "https://aclanthology.org/2023.emnlp-main.{n}/"),
    ("CVPR", 2024, "https://cvpr.thecvf.com/virtual/2024/poster/{n}"),
    ("NeurIPS", 2024, "https://neurips.cc/virtual/2024/poster/{n}"),
)
TOPICS = (
    "Language Modeling",
    "Reinforcement Learning",
    "Computer Vision",
    "Optimization",
    "Graph Learning",
    "Generative Models",
    "Robustness and Safety",
    "Speech and Audio",
    "Learning Theory",
    "Fairness and Privacy",
    "Multimodal Learning",
    "Efficient Inference",
)
KINDS = (("poster", 0.88), ("oral", 0.07), ("spotlight", 0.05))

# --- vocabulary ---------------------------------------------------------------------------------

SYLLABLES = (
    "ba", "lo", "ri", "ven", "ta", "mor", "qui", "zen", "ka", "lu", "dor", "sil", "ne", "vo", "rax",
    "mi", "pha", "tel", "gra", "sto", "fin", "el", "ora", "cu", "hex", "ly", "pan", "tri", "nu", "co",
)  # fmt: skip
NAME_SUFFIXES = (
    "Net", "LM", "GPT", "Former", "Bench", "Gen", "Eval", "2Vec", "RL", "Diff", "Seg", "QA", "Align", "Agent", "",
)  # fmt: skip
TERMS = (
    "large language models", "graph neural networks", "diffusion models", "vision transformers",
    "reinforcement learning", "contrastive learning", "in-context learning", "retrieval-augmented generation",
    "federated learning", "knowledge distillation", "speech recognition", "machine translation",
    "question answering", "code generation", "text-to-image generation", "sign language recognition",
    "named entity recognition", "policy optimization", "causal inference", "time series forecasting",
    "anomaly detection", "neural architecture search", "instruction tuning", "preference optimization",
    "chain-of-thought reasoning", "low-rank adaptation", "mixture of experts", "sparse attention",
    "tabular data", "molecular property prediction", "protein structure prediction", "autonomous driving",
    "medical image segmentation", "multimodal large language models", "dialogue systems",
    "hate speech detection", "sentiment analysis", "abstractive summarization", "semantic parsing",
    "embodied agents", "robot manipulation", "offline reinforcement learning", "Bayesian optimization",
    "Gaussian processes", "optimal transport", "stochastic gradient descent", "adversarial robustness",
    "membership inference", "differential privacy", "text watermarking", "hallucination detection",
    "long-context modeling", "tokenization", "speech synthesis", "audio classification",
    "video understanding", "3D scene reconstruction", "point cloud registration", "object detection",
    "image captioning", "visual question answering", "knowledge graphs", "recommender systems",
    "dense retrieval", "math word problems", "theorem proving", "program synthesis", "tool use",
    "multi-agent systems", "continual learning", "domain adaptation", "out-of-distribution detection",
    "uncertainty quantification", "model calibration", "post-training quantization", "structured pruning",
    "spiking neural networks", "neural ODEs", "physics-informed neural networks", "weather forecasting",
    "clinical notes", "electronic health records", "legal documents", "financial news",
    "low-resource languages", "code-switching", "cross-lingual transfer", "multilingual pretraining",
    "reward models", "world models", "state space models", "graph transformers", "neural radiance fields",
    "speculative decoding", "KV cache compression", "model merging", "data augmentation", "active learning",
)  # fmt: skip
ADJECTIVES = (
    "efficient", "scalable", "robust", "interpretable", "adaptive", "hierarchical", "sparse", "dense",
    "self-supervised", "unsupervised", "semi-supervised", "zero-shot", "few-shot", "multimodal",
    "lightweight", "provable", "faithful", "controllable", "privacy-preserving", "fair", "uncertainty-aware",
    "data-efficient", "parameter-efficient", "training-free", "differentiable", "probabilistic", "causal",
    "compositional", "generalizable", "memory-efficient", "decentralized", "personalized", "explainable",
    "structured", "dynamic", "hybrid", "latent", "modular", "principled", "unified", "simple", "fast",
)  # fmt: skip
GERUNDS = (
    "Learning", "Scaling", "Aligning", "Evaluating", "Detecting", "Understanding", "Improving", "Rethinking",
    "Benchmarking", "Mitigating", "Exploring", "Probing", "Steering", "Compressing", "Distilling", "Unifying",
    "Revisiting", "Leveraging", "Harnessing", "Bridging", "Measuring", "Quantifying", "Characterizing",
    "Accelerating", "Optimizing", "Generating", "Predicting", "Modeling", "Adapting", "Explaining",
)  # fmt: skip
VERBS = (
    "Learn", "Reason about", "Generalize to", "Plan with", "Replace", "Understand", "Predict", "Explain",
    "Detect", "Solve", "Improve", "Memorize", "Outperform", "Transfer to", "Benefit from",
)  # fmt: skip
METHOD_NOUNS = (
    "framework", "benchmark", "approach", "method", "dataset", "toolkit", "analysis", "algorithm", "pipeline",
    "architecture", "objective", "protocol", "model", "estimator", "regularizer", "strategy", "paradigm",
)  # fmt: skip
PROPERTIES = (
    "performance", "efficiency", "robustness", "generalization", "sample complexity", "memory footprint",
    "training cost", "inference latency", "accuracy", "stability", "expressiveness", "scalability",
    "interpretability", "faithfulness", "calibration", "fairness", "convergence",
)  # fmt: skip
DATASETS = (
    "GLUE", "SuperGLUE", "ImageNet", "COCO", "MMLU", "GSM8K", "HumanEval", "SQuAD", "WMT'14", "LibriSpeech",
    "CIFAR-10", "CIFAR-100", "WikiText-103", "MS MARCO", "BEIR", "Atari", "MuJoCo", "D4RL", "ScanNet",
    "KITTI", "nuScenes", "MIMIC-III", "XNLI", "FLORES-200", "BIG-Bench", "TruthfulQA", "MATH", "ARC",
)  # fmt: skip
METRICS = (
    "accuracy", "F1", "BLEU", "perplexity", "word error rate", "AUC", "mean average precision", "exact match",
    "success rate", "return", "ROUGE-L", "top-1 accuracy", "pass@1", "recall@10", "FID",
)  # fmt: skip
GROWTH = ("improves", "outperforms", "surpasses", "matches", "exceeds")
CHANGES = ("improves", "reduces", "stabilizes", "accelerates", "simplifies", "enhances")
FORMULAS = (
    "$O(n^2)$", "$\\mathcal{O}(\\sqrt{T})$", "$\\ell_p$", "$x^2$", "$\\epsilon$", "$K$", "$\\bf 3\\times$",
    "$n\\times 2$", "$O(T^{3/4})$", "$\\alpha$", "$\\lambda$", "P$^2$", "$\\tilde{O}(d\\sqrt{n})$", "$k=1$",
)  # fmt: skip
FILLER = (
    "the", "a", "of", "in", "to", "and", "for", "with", "on", "by", "which", "that", "while", "across",
    "model", "models", "data", "training", "task", "tasks", "learning", "representation", "representations",
    "approach", "results", "performance", "language", "information", "features", "structure", "prior",
    "work", "signal", "distribution", "settings", "scale", "quality", "errors", "input", "output", "tokens",
    "layers", "parameters", "objective", "loss", "gradient", "samples", "labels", "domain", "knowledge",
    "evaluation", "benchmarks", "baselines", "complex", "simple", "robust", "large", "small", "new",
    "existing", "different", "specific", "general", "effective", "significant", "limited", "strong", "weak",
    "improve", "reduce", "capture", "enable", "exploit", "preserve", "require", "achieve", "remain",
)  # fmt: skip
# An abstract: one or two sentences of context, the proposal, the method, then the results.
INTRO = (
    "{TERMC} have achieved remarkable success in {TERM}, yet their {PROP} remains poorly understood.",
    "However, existing {NOUN}s for {TERM} often rely on {ADJ} {TERM}, which limits their {PROP}.",
    "Recent work on {TERM} has shown that {WORDS} in {TERM}.",
    "{GER} {TERM} is a central problem in {TERM}, with applications to {TERM} and {TERM}.",
    "Despite rapid progress in {TERM}, {ADJ} {TERM} remains challenging because {WORDS}.",
)
PROPOSAL = (
    "In this paper, we propose {NAME}, a {ADJ} {NOUN} that {CHANGE} {TERM} by {GERL} {TERM}.",
    "To address this issue, we introduce {NAME}, a {ADJ} {NOUN} for {TERM} built on {TERM}.",
    "This paper presents {NAME}, which {CHANGE} the {PROP} of {TERM} with {ADJ} {TERM}.",
)
BODY = (
    "Specifically, {NAME} models the {ADJ} {PROP} of {TERM} with a {ADJ} {NOUN} based on {TERM}.",
    "We further introduce a {ADJ} {NOUN} to align {TERM} with {TERM} in a single {NOUN}.",
    "Our analysis reveals that {TERM} and {TERM} are closely related, suggesting that {WORDS}.",
    "We also provide a theoretical analysis showing that {NAME} converges at a rate of {FORMULA} under mild "
    "assumptions.",
    "Moreover, {NAME} requires only {PCT}% of the {PROP} of prior {NOUN}s.",
    "Unlike previous {NOUN}s, our {NOUN} does not require {TERM} or {ADJ} {TERM}.",
    "We show that a {ADJ} {NOUN} trained with {TERM} {CHANGE} {PROP} on {DATA} by a wide margin.",
    "The key idea is to treat {TERM} as {TERM}, so that {WORDS}.",
    "Ablation studies confirm that each component of {NAME} contributes to its {PROP}.",
    "We find that {ADJ} {TERM} {CHANGE} the {PROP} of {TERM} when the number of {WORDS} grows.",
    "Our {NOUN} scales to {NUM} million examples and runs {NUM} times faster than {ADJ} {NOUN}s.",
    "We study {TERM} from the perspective of {TERM} and {WORDS}.",
)
RESULTS = (
    "Extensive experiments on {NUM} benchmarks, including {DATA} and {DATA}, show that {NAME} {GROW} "
    "strong baselines by {PCT}% in {METRIC}.",
    "We evaluate our {NOUN} on {DATA}, where it achieves a {METRIC} of {PCT} and {GROW} the state of the art.",
    "Our results highlight the importance of {TERM} for {ADJ} {TERM}.",
)
QUIRKS = (  # sentences with the stray markup, symbols and links of real abstracts
    "We call this setting {TEXTIT} and study it with {FORMULA} samples.",
    "We refer to this as ``{ADJ} {TERM}'' and show that it {CHANGE} {PROP}.",
    "On {DATA}, the gap is **{PCT}%** when the score is > 0.{NUM} and the budget is < {NUM}k tokens.",
    "We release a Q&A benchmark of {NUM}k pairs for {TERM} & {TERM}.",
    "Inputs are wrapped in <{WORD}> tags, and R&amp;D costs fall by {PCT}%.",
    "With {FORMULA} we obtain a bound of {FORMULA} for {TERM}.",
)
CODE_SENTENCE = "Code and data are available at {URL}."

Z_TERMS = (
    "大型语言模型", "图神经网络", "扩散模型", "视觉Transformer", "强化学习", "对比学习", "上下文学习",
    "检索增强生成", "联邦学习", "知识蒸馏", "语音识别", "机器翻译", "问答系统", "代码生成", "文本到图像生成",
    "手语识别", "命名实体识别", "策略优化", "因果推断", "时间序列预测", "异常检测", "神经架构搜索", "指令微调",
    "偏好优化", "思维链推理", "低秩适配", "混合专家模型", "稀疏注意力", "表格数据", "分子性质预测",
    "蛋白质结构预测", "自动驾驶", "医学图像分割", "多模态大型语言模型", "对话系统", "仇恨言论检测", "情感分析",
    "文本摘要", "语义解析", "具身智能体", "机器人操作", "离线强化学习", "贝叶斯优化", "高斯过程", "最优传输",
    "随机梯度下降", "对抗鲁棒性", "成员推断攻击", "差分隐私", "文本水印", "幻觉检测", "长上下文建模", "分词",
    "语音合成", "音频分类", "视频理解", "三维场景重建", "点云配准", "目标检测", "图像描述", "视觉问答",
    "知识图谱", "推荐系统", "稠密检索", "数学应用题", "定理证明", "程序合成", "工具使用", "多智能体系统",
    "持续学习", "领域自适应", "分布外检测", "不确定性量化", "模型校准", "训练后量化", "结构化剪枝",
)  # fmt: skip
Z_ADJECTIVES = (
    "高效的", "可扩展的", "鲁棒的", "可解释的", "自适应的", "分层的", "稀疏的", "自监督的", "无监督的",
    "零样本", "少样本", "多模态", "轻量级", "可控的", "保护隐私的", "公平的", "数据高效的", "参数高效的",
    "无需训练的", "可微的", "概率化的", "组合式的", "通用的", "个性化的", "结构化的", "动态的", "统一的",
    "简单的", "新颖的", "端到端的",
)  # fmt: skip
Z_NOUNS = (
    "框架", "基准", "方法", "数据集", "工具包", "算法", "流程", "架构", "目标函数", "模型", "估计器",
    "正则化方法", "策略", "范式",
)  # fmt: skip
Z_PROPERTIES = (
    "性能", "效率", "鲁棒性", "泛化能力", "样本复杂度", "内存占用", "训练成本", "推理延迟", "准确率",
    "稳定性", "表达能力", "可扩展性", "可解释性", "忠实度", "校准程度", "公平性", "收敛速度",
)  # fmt: skip
Z_VERBS = (
    "提高", "改进", "降低", "增强", "优化", "利用", "构建", "设计", "训练", "评估", "分析", "揭示",
    "缓解", "统一", "加速", "刻画",
)  # fmt: skip
Z_FILLER = (
    "模型", "数据", "训练", "任务", "学习", "表示", "方法", "结果", "性能", "语言", "信息", "特征", "结构",
    "先验", "信号", "分布", "设置", "规模", "质量", "误差", "输入", "输出", "参数", "损失", "梯度", "样本",
    "标签", "领域", "知识", "评估", "基准", "基线", "复杂", "简单", "有效", "显著", "有限", "现有", "不同",
    "特定", "通用", "的", "和", "在", "中", "对", "与", "并", "从", "以", "可以", "能够", "进一步",
)  # fmt: skip
Z_INTRO = (
    "{ZTERM}在{ZTERM}中取得了显著成功，但其{ZPROP}仍缺乏深入理解。",
    "然而，现有的{ZTERM}{ZNOUN}通常依赖{ZADJ}{ZTERM}，这限制了其{ZPROP}。",
    "为了解决这一问题，我们从{ZTERM}的角度研究{ZTERM}，{ZWORDS}。",
)
Z_PROPOSAL = (
    "本文提出了{NAME}，一种{ZADJ}{ZNOUN}，通过{ZVERB}{ZTERM}来{ZVERB}{ZTERM}的{ZPROP}。",
    "我们提出了{NAME}，一种基于{ZTERM}的{ZADJ}{ZNOUN}，用于{ZTERM}。",
)
Z_BODY = (
    "具体而言，{NAME}利用基于{ZTERM}的{ZADJ}{ZNOUN}对{ZTERM}的{ZPROP}进行建模。",
    "我们进一步引入了一种{ZADJ}{ZNOUN}，在统一的{ZNOUN}中将{ZTERM}与{ZTERM}对齐。",
    "我们的分析表明，{ZTERM}与{ZTERM}密切相关，{ZWORDS}。",
    "我们还给出了理论分析，证明{NAME}在温和假设下以{FORMULA}的速率收敛。",
    "此外，{NAME}只需要以往{ZNOUN}{PCT}%的{ZPROP}。",
    "与以往的{ZNOUN}不同，我们的{ZNOUN}不需要{ZTERM}或{ZADJ}{ZTERM}。",
    "消融实验证实了{NAME}的每个组成部分都有助于提高其{ZPROP}。",
)
Z_RESULTS = (
    "在包括{DATA}和{DATA}在内的{NUM}个基准上的大量实验表明，{NAME}在{METRIC}上比强基线提高了{PCT}%。",
    "我们的结果突出了{ZTERM}对于{ZADJ}{ZTERM}的重要性。",
    "实验结果表明，该方法在{DATA}上将{ZPROP}{ZVERB}了{PCT}%，并且{ZWORDS}。",
)
Z_SUMMARIES = (
    "本文提出了{NAME}，一种{ZADJ}{ZTERM}{ZNOUN}，通过{ZVERB}{ZTERM}显著{ZVERB}了{ZPROP}。",
    "该论文研究了{ZTERM}在{ZTERM}中的{ZPROP}，并提出了{ZADJ}{ZNOUN}{NAME}，在{DATA}上取得了{PCT}%的提升。",
    "这项研究提出了一种基于{ZTERM}的{ZADJ}{ZNOUN}，用于解决{ZTERM}中{ZPROP}不足的问题。",
    "本研究通过{ZVERB}{ZTERM}，{ZVERB}了{ZTERM}的{ZPROP}，实验表明{NAME}优于现有{ZNOUN}。",
)
Z_TITLES = (
    "{NAME}：{ZADJ}{ZTERM}{ZNOUN}",
    "{NAME}: 基于{ZTERM}的{ZTERM}{ZNOUN}",
    "基于{ZTERM}的{ZADJ}{ZTERM}",
    "面向{ZTERM}的{ZADJ}{ZNOUN}",
    "{ZTERM}中的{ZPROP}研究",
    "{ZVERB}{ZTERM}的{ZPROP}：一种{ZADJ}{ZNOUN}",
    "重新审视{ZTERM}与{ZTERM}：{ZTERM}的视角",
    "{NAME}：通过{ZTERM}{ZVERB}{ZTERM}的{ZADJ}{ZNOUN}",
    "利用{ZTERM}{ZVERB}{ZTERM}中的{ZPROP}",
)
Z_CODE = ("代码可在{URL}获得。", "代码和数据已开源：{URL}。", "我们的代码可在{URL}找到。")
TITLES = (
    "{NAME}: {GER} {TTERM} for {TTERM}",
    "{NAME}: A {TADJ} {TNOUN} for {TTERM}",
    "{NAME}: {TADJ} {TTERM} via {TTERM}",
    "{GER} {TTERM} with {TADJ} {TTERM}",
    "Towards {TADJ} {TTERM} via {TTERM}",
    "On the {TPROP} of {TTERM} in {TTERM}",
    "Can {TTERM} {VERB} {TTERM}?",
    "{TADJ} {TTERM} for {TADJ} {TTERM}",
    "Learning to {VERB} {TTERM} from {TTERM}",
    "When Does {TTERM} {VERB} {TTERM}?",
    "{GER} the {TPROP} of {TTERM}: A {TNOUN} for {TTERM}",
    "{TTERM} Meets {TTERM}: {TADJ} {TTERM} with {NAME}",
    "{NAME}: Benchmarking {TTERM} on {TTERM} and {TTERM}",
    "{GER} {TTERM} through [MASK] Prediction over {TTERM}",
    "$\\alpha$-{NAME}: {TADJ} {TTERM} for {TTERM}",
)
TITLE_WEIGHTS = (10, 8, 8, 10, 6, 6, 2, 8, 4, 2, 4, 3, 3, 0.3, 0.3)
SMALL_WORDS = frozenset(
    ("a", "an", "the", "of", "for", "and", "in", "on", "with", "via", "to", "from", "by", "or", "at", "as", "over")
)

FIRST_NAMES = (
    "Minsoo", "Sihwa", "Jiaxin", "Zhuohang", "Kamalika", "Wei", "Xin", "Yue", "Jun", "Hao", "Lei", "Yang",
    "Anna", "David", "Maria", "James", "Sarah", "Michael", "Laura", "Daniel", "Emma", "Thomas", "Sofia",
    "José", "Zoë", "Søren", "Björn", "Chloé", "Hélène", "Jürgen", "François", "Łukasz", "Núria", "Ana",
    "Rahul", "Priya", "Arjun", "Ahmed", "Fatima", "Omar", "Kenji", "Yuki", "Haruto", "Seo-yeon", "Ji-ho",
    "Olga", "Dmitri", "Ivan", "Elena", "Pedro", "Lucía", "Mateo", "Aisha", "Kwame", "Chiara", "Luca",
)  # fmt: skip
LAST_NAMES = (
    "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma", "Kim",
    "Lee", "Park", "Choi", "Sung", "Smith", "Johnson", "Brown", "Garcia", "Müller", "Schmidt", "Dubois",
    "Rossi", "Nakamura", "Tanaka", "Sato", "Gupta", "Sharma", "Patel", "Singh", "Ivanov", "Petrov",
    "Kowalski", "Novák", "Fernández", "López", "Martín", "Silva", "Santos", "O'Brien", "Nguyen", "Tran",
    "Hernández", "Andersson", "Nielsen", "Okafor", "Mensah", "Haddad", "Cohen", "Levi", "Dasgupta",
)  # fmt: skip
GITHUB_USERS = ("lab", "group", "ai", "nlp", "ml", "vision", "research", "team")


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Summary:
    """What `generate` wrote."""

    files: int
    papers: int
    """Distinct papers: the site must publish exactly this many."""
    appearances: int
    """Papers the files declare (table rows with their blocks, and venue headings)."""
    bytes: int
    arxiv_files: int = 0
    venue_files: int = 0
    repeated: int = 0
    """Appearances of a paper listed before: cross-lists, updates, venue papers also on arXiv."""
    venue_papers: int = 0
    shared_papers: int = 0
    """Venue papers that a daily digest lists under the same title."""
    truncated: int = 0
    """Appearances whose English abstract was cut at the upstream limit."""
    old_style: int = 0
    """Appearances with the old feed's title line (`Title. (arXiv:ID [cat])`)."""
    new_style: int = 0
    """Appearances in the new feed's style (bare title, perhaps the announce prefix)."""
    first_date: str = ""
    last_date: str = ""


# --- text ---------------------------------------------------------------------------------------

Template = tuple[tuple[str, str], ...]
"""A parsed template: (literal text, slot name or "") pairs."""


def _compile(template: str) -> Template:
    """`"a {X} b"` → ((literal, slot), …): templates are parsed once, filled many times."""
    parts = []
    rest = template
    while "{" in rest:
        literal, _, tail = rest.partition("{")
        slot, _, rest = tail.partition("}")
        parts.append((literal, slot))
    parts.append((rest, ""))
    return tuple(parts)


def _title_case(words: str) -> str:
    out = []
    for index, word in enumerate(words.split(" ")):
        if index and word in SMALL_WORDS:
            out.append(word)
        elif word[:1].islower():
            out.append(word[0].upper() + word[1:])
        else:
            out.append(word)
    return " ".join(out)


def normalise_title(title: str) -> str:
    """The site's title key (digest.parse.text.normalise_title): NFKC, case-folded, letters and digits."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


class Writer:
    """All text comes from here, drawn from one random stream in a fixed order."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.en_parts = [[_compile(s) for s in part] for part in (INTRO, PROPOSAL, BODY, RESULTS)]
        self.zh_parts = [[_compile(s) for s in part] for part in (Z_INTRO, Z_PROPOSAL, Z_BODY, Z_RESULTS)]
        self.quirks = [_compile(s) for s in QUIRKS]
        self.z_summaries = [_compile(s) for s in Z_SUMMARIES]
        self.z_named = [_compile(s) for s in Z_TITLES if "{NAME}" in s]
        self.z_plain = [_compile(s) for s in Z_TITLES if "{NAME}" not in s]
        self.titles = [_compile(s) for s in TITLES]
        self.title_weights = list(itertools.accumulate(TITLE_WEIGHTS))
        self.code = _compile(CODE_SENTENCE)
        self.z_code = [_compile(s) for s in Z_CODE]
        title_terms = [_title_case(t) for t in TERMS]
        choice = rng.choice
        self.slots: dict[str, Callable[[], str]] = {
            "TERM": lambda: choice(TERMS),
            "TERMC": lambda: (t := choice(TERMS))[0].upper() + t[1:],
            "TTERM": lambda: choice(title_terms),
            "ADJ": lambda: choice(ADJECTIVES),
            "TADJ": lambda: (a := choice(ADJECTIVES))[0].upper() + a[1:],
            "GER": lambda: choice(GERUNDS),
            "GERL": lambda: choice(GERUNDS).lower(),
            "VERB": lambda: choice(VERBS),
            "NOUN": lambda: choice(METHOD_NOUNS),
            "TNOUN": lambda: choice(METHOD_NOUNS).capitalize(),
            "PROP": lambda: choice(PROPERTIES),
            "TPROP": lambda: _title_case(choice(PROPERTIES)),
            "DATA": lambda: choice(DATASETS),
            "METRIC": lambda: choice(METRICS),
            "GROW": lambda: choice(GROWTH),
            "CHANGE": lambda: choice(CHANGES),
            "FORMULA": lambda: choice(FORMULAS),
            "NUM": lambda: str(rng.randint(2, 12)),
            "PCT": lambda: f"{rng.randint(1, 60)}.{rng.randint(0, 9)}",
            "WORDS": lambda: " ".join(rng.choices(FILLER, k=rng.randint(4, 10))),
            "WORD": lambda: choice(FILLER),
            "TEXTIT": lambda: f"\\textit{{{choice(GERUNDS).lower()} {choice(TERMS)}}}",
            "ZTERM": lambda: choice(Z_TERMS),
            "ZADJ": lambda: choice(Z_ADJECTIVES),
            "ZNOUN": lambda: choice(Z_NOUNS),
            "ZPROP": lambda: choice(Z_PROPERTIES),
            "ZVERB": lambda: choice(Z_VERBS),
            "ZWORDS": lambda: "".join(rng.choices(Z_FILLER, k=rng.randint(5, 12))),
        }

    def fill(self, template: Template, fixed: dict[str, str]) -> str:
        slots = self.slots
        out = []
        for literal, slot in template:
            if not slot:
                out.append(literal)
                continue
            value = fixed[slot] if slot in fixed else slots[slot]()
            if value[:1] in _VOWELS and literal[-2:] in ("a ", "A ") and literal[-3:-2] in ("", " "):
                literal = literal[:-1] + "n "  # a → an
            out.append(literal)
            out.append(value)
        return "".join(out)

    def name(self) -> str:
        rng = self.rng
        if rng.random() < 0.3:  # an acronym: PPPO, SocREval, PB-LLM
            letters = "".join(rng.choices("ABCDEFGHIKLMNOPRSTVW", k=rng.randint(2, 5)))
            return letters + rng.choice(("", "", "-LLM", "-2", "++", "-X"))
        stem = "".join(rng.choices(SYLLABLES, k=rng.randint(2, 3)))
        return stem.capitalize() + rng.choice(NAME_SUFFIXES)

    def url(self, name: str) -> str:
        user = "".join(self.rng.choices(SYLLABLES, k=2)) + "-" + self.rng.choice(GITHUB_USERS)
        return f"https://github.com/{user}/{name.lower().replace('+', 'p')}"

    def title(self, name: str) -> str:
        template = self.rng.choices(self.titles, cum_weights=self.title_weights)[0]
        return self.fill(template, {"NAME": name})

    def _abstract(
        self,
        parts: Sequence[Sequence[Template]],
        quirks: Sequence[Template],
        name: str,
        length: int,
        url: str,
        code: Template | None,
        sep: str,
    ) -> str:
        """About `length` characters, ending on a sentence: context, proposal, method, results."""
        rng = self.rng
        intro, proposal, body, results = parts
        fixed = {"NAME": name, "URL": url}
        sentences = [self.fill(rng.choice(intro), fixed) for _ in range(rng.randint(1, 2))]
        sentences.append(self.fill(rng.choice(proposal), fixed))
        total = sum(len(s) for s in sentences)
        closing = self.fill(rng.choice(results), fixed)
        while total + len(closing) < length:
            pool = quirks if quirks and rng.random() < 0.06 else body
            sentence = self.fill(rng.choice(pool), fixed)
            sentences.append(sentence)
            total += len(sentence) + len(sep)
        sentences.append(closing)
        if url and code:
            sentences.append(self.fill(code, fixed))
        return sep.join(sentences)

    def english(self, name: str, length: int, url: str) -> str:
        return self._abstract(self.en_parts, self.quirks, name, length, url, self.code, " ")

    def chinese(self, name: str, length: int, url: str) -> str:
        code = self.rng.choice(self.z_code) if url else None
        return self._abstract(self.zh_parts, (), name, length, url, code, "")

    def summary(self, name: str, length: int) -> str:
        rng = self.rng
        fixed = {"NAME": name}
        sentences = [self.fill(rng.choice(self.z_summaries), fixed)]
        while sum(len(s) for s in sentences) < length:
            sentences.append(self.fill(rng.choice(self.z_summaries), fixed))
        return "".join(sentences)

    def chinese_title(self, name: str, title: str) -> str:
        """A title that keeps the English one's name, as the translator does."""
        templates = self.z_named if title.startswith(name) else self.z_plain
        return self.fill(self.rng.choice(templates), {"NAME": name})

    def authors(self) -> str:
        rng = self.rng
        names = []
        for _ in range(min(12, 1 + int(rng.expovariate(1 / 4)))):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            roll = rng.random()
            if roll < 0.02:
                names.append(f"{first.upper()} {last.upper()}")
            elif roll < 0.03:
                names.append(f'{first} "{rng.choice(SYLLABLES).capitalize()}" {last}')
            else:
                names.append(f"{first} {last}")
        return ", ".join(names)


def _cut(raw: str, rng: random.Random) -> str:
    """An English abstract field (announce prefix included) as upstream cut it: at the limit,
    now and then a few characters short (where folding newlines shortened it), and never where
    the line would end a sentence short of the limit (the parser could not tell it was cut)."""
    cut = TRUNCATION_LIMIT - (rng.randint(1, 4) if rng.random() < 0.05 else 0)
    text = raw[:cut].rstrip()
    while len(text) < TRUNCATION_LIMIT and (not text or text.endswith(SENTENCE_END)):
        cut -= 1
        text = raw[:cut].rstrip()
    return text


# --- papers -------------------------------------------------------------------------------------


@dataclass(slots=True)
class Paper:
    arxiv_id: str
    category: str
    channel: str
    title: str
    title_zh: str
    summary_zh: str
    summary_en: str
    abstract_zh: str
    abstract_en: str


@dataclass(frozen=True, slots=True)
class Listing:
    paper: Paper
    kind: str  # new, cross, replace, replace-cross
    version: int


@dataclass(slots=True)
class Counts:
    files: int = 0
    arxiv_files: int = 0
    venue_files: int = 0
    appearances: int = 0
    bytes: int = 0
    truncated: int = 0
    old_style: int = 0
    new_style: int = 0


@dataclass(slots=True)
class Corpus:
    """The state of one generation."""

    rng: random.Random
    writer: Writer
    out: Path
    seen_titles: set[str] = field(default_factory=set)
    counts: Counts = field(default_factory=Counts)
    venue_ids: dict[tuple[str, int], list[int]] = field(default_factory=dict)
    """Unused link numbers per venue and year, in random order."""

    def unique_title(self, name: str) -> str:
        """A title no other paper has, even after normalisation (which the site merges by)."""
        while True:
            title = self.writer.title(name)
            key = normalise_title(title)
            if key not in self.seen_titles:
                self.seen_titles.add(key)
                return title
            name = self.writer.name()

    def write(self, relative: str, text: str) -> None:
        path = self.out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        path.write_bytes(data)
        self.counts.files += 1
        self.counts.bytes += len(data)


def _new_paper(corpus: Corpus, arxiv_id: str, channel: str, layout: str) -> Paper:
    rng, writer = corpus.rng, corpus.writer
    name = writer.name()
    title = corpus.unique_title(name)
    if rng.random() < 0.75:
        category = rng.choice(CHANNEL_CATEGORIES[channel]) if channel in CHANNEL_CATEGORIES else channel
    else:
        category = rng.choice((*OTHER_CATEGORIES, "cs.LG", "cs.CL", "cs.AI", "cs.CV", "stat.ML"))
    url = writer.url(name) if rng.random() < 0.12 else ""
    length = int(rng.triangular(600, 1900, 1000))
    abstract_en = writer.english(name, length, url)
    # The Chinese abstract translates what the digest kept (about the first thousand characters).
    abstract_zh = writer.chinese(name, rng.randint(150, 430), url)
    if rng.random() < 0.01:
        at = rng.randint(1, len(abstract_zh) - 1)
        abstract_zh = abstract_zh[:at] + "\u200b" + abstract_zh[at:]  # the translator's zero-width space
    summary_zh = writer.summary(name, rng.randint(30, 90))
    if rng.random() < 0.01:
        summary_zh = summary_zh.replace("，", " | ", 1)  # '|' inside a table cell
    summary_en = ""
    if layout == "en-summary":
        summary_en = writer.english(name, rng.randint(100, 250), "")
    title_zh = writer.chinese_title(name, title)
    roll = rng.random()
    if roll < 0.01:
        title_zh = ""
    elif roll < 0.02:
        summary_zh = ""
    elif roll < 0.03:
        abstract_zh = ""
    return Paper(arxiv_id, category, channel, title, title_zh, summary_zh, summary_en, abstract_zh, abstract_en)


def _weekdays(first: dt.date, count: int) -> list[dt.date]:
    days: list[dt.date] = []
    day = first
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _start(days: int) -> dt.date:
    """The first weekday, so that the switch to the announce prefix (2024-02-15) falls mid-range."""
    day, back = ANNOUNCE_FROM, days // 2
    while back:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            back -= 1
    return day


def _ramp(date: dt.date, start: dt.date, end: dt.date, low: float, high: float) -> float:
    return low + (high - low) * (date - start).days / max(1, (end - start).days)


def _new_style_share(date: dt.date) -> float:
    if date < MIXED_FROM:
        return 0.0
    if date < ANNOUNCE_FROM:
        return _ramp(date, MIXED_FROM, ANNOUNCE_FROM, 0.1, 0.5)
    if date < OLD_STYLE_UNTIL:
        return _ramp(date, ANNOUNCE_FROM, OLD_STYLE_UNTIL, 0.82, 1.0)
    return 1.0


def _layout(date: dt.date) -> str:
    if date < OLDEST_LAYOUT_UNTIL:
        return "oldest"
    if date < EN_SUMMARY_UNTIL:
        return "en-summary"
    return "full"


def _pick_channels(rng: random.Random, count: int) -> list[str]:
    """`count` channels, the big ones more often (weighted sampling without replacement)."""
    keyed = sorted(CHANNELS, key=lambda c: -(rng.random() ** (1 / CHANNELS[c])))
    return keyed[:count]


_KIND_ORDER = {"new": 0, "cross": 1, "replace": 2, "replace-cross": 3}


def _digest(corpus: Corpus, date: dt.date, listings: list[Listing]) -> str:
    """One daily digest (Format A) in the shapes of the real files."""
    rng, counts = corpus.rng, corpus.counts
    # New papers first, then cross-lists, then replacements; the newest ID first within each.
    grouped = sorted(listings, key=lambda item: item.paper.arxiv_id, reverse=True)
    grouped.sort(key=lambda item: _KIND_ORDER[item.kind])
    layout = _layout(date)
    new_share = _new_style_share(date)
    rows: list[str] = ["# 摘要\n\n| Ref | Title | Summary |\n| --- | --- | --- |\n"]
    blocks: list[str] = ["\n# 详细\n\n"]
    for ref, item in enumerate(grouped, start=1):
        paper = item.paper
        new_style = rng.random() < new_share
        if new_style:
            counts.new_style += 1
            host = "rss.arxiv.org" if RSS_HOST[0] <= date <= RSS_HOST[1] and rng.random() < 0.02 else "arxiv.org"
            url = f"https://{host}/abs/{paper.arxiv_id}"
            row_title = title_line = paper.title
            prefix = ""
            if date >= ANNOUNCE_FROM and (date >= ANNOUNCE_ALWAYS_FROM or rng.random() < 0.92):
                gap = "  " if date >= WIDE_ANNOUNCE_FROM else " "
                prefix = f"arXiv:{paper.arxiv_id}v{item.version} Announce Type: {item.kind}{gap}Abstract: "
        else:
            counts.old_style += 1
            url = f"http://arxiv.org/abs/{paper.arxiv_id}"
            row_title = paper.title + "."
            marker = ""
            if item.kind in ("replace", "replace-cross"):
                marker = " UPDATED"
            elif item.kind == "cross" and rng.random() < 0.3:
                marker = " CROSS LISTED"
            title_line = f"{paper.title}. (arXiv:{paper.arxiv_id}v{item.version} [{paper.category}]{marker})"
            prefix = ""
        raw = prefix + paper.abstract_en
        if len(raw) >= TRUNCATION_LIMIT:
            raw = _cut(raw, rng)
            counts.truncated += 1
        title_zh = paper.title_zh
        if not new_style and title_zh and rng.random() < 0.01:  # a copied suffix, which the parser drops
            title_zh += f" (arXiv:{paper.arxiv_id}v{item.version} [{paper.category}])"
        rows.append(f"| [^{ref}] | [{row_title}]({url}) | {paper.summary_zh} |\n")
        header = f"[^{ref}]: {title_zh}\n\n    {title_line}\n\n    [{url}]({url})\n\n"
        if layout == "oldest":
            body = f"    {paper.abstract_zh}\n\n    {raw}\n    \n"
        else:
            body = f"    {paper.summary_zh}\n\n    {paper.summary_en}\n\n    {paper.abstract_zh}\n\n    {raw}\n    \n"
        blocks.append(header + body)
    counts.appearances += len(grouped)
    blocks.append("\n" if grouped else "\n\n")
    return "".join(rows) + "".join(blocks)


def _venue_file(corpus: Corpus, venue: str, year: int, link: str, topic: str, titles: list[str | None]) -> str:
    """One venue collection (Format B); None in `titles` is a venue-only paper."""
    rng, writer = corpus.rng, corpus.writer
    parts = [f"# Papers about {topic} in {venue} {year}\n"]
    for title in titles:
        name = writer.name()
        if title is None:
            title = corpus.unique_title(name)
        kind = rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]
        url = link.format(n=corpus.venue_ids[(venue, year)].pop())
        code = writer.url(name) if rng.random() < 0.15 else ""
        abstract = writer.english(name, int(rng.triangular(800, 2200, 1350)), code)
        if rng.random() < 0.05:  # a second paragraph
            abstract += "\n\n" + writer.english(name, rng.randint(150, 400), "")
        zh = writer.chinese(name, rng.randint(200, 650), code)
        if rng.random() < 0.3:
            zh = zh.replace("大型语言模型", "法学硕士")  # the machine translation's LLMs
        parts.append(
            f"## {title}<sup>{kind}<sup>\n\nAuthors: {writer.authors()}\n\nLink: [{url}]({url})\n\n"
            f"Abstract:\n\n {abstract}\n\n摘要:\n\n{zh}\n\n"
        )
    corpus.counts.appearances += len(titles)
    return "".join(parts)


def _slug(text: str) -> str:
    return "-".join("".join(ch if ch.isalnum() else " " for ch in text.lower()).split())


# --- the whole corpus ---------------------------------------------------------------------------


def generate(n_papers: int, out: Path, seed: int = 0, start: dt.date | None = None) -> Summary:
    """Write a content tree of `n_papers` distinct papers into `out` (new or empty).

    The digests are dated on consecutive weekdays from `start`; by default the range is centred
    on 2024-02-15, so that it holds both title styles whatever the number of papers.
    """
    if n_papers < 1:
        raise ValueError("the corpus needs at least one paper")
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"{out} exists and is not an empty folder")
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    corpus = Corpus(rng, Writer(rng), out)

    venue_total = round(n_papers * VENUE_SHARE)
    shared = round(venue_total * VENUE_ALSO_ARXIV)
    venue_only = venue_total - shared
    arxiv_total = n_papers - venue_only  # at least 1, and at least `shared`

    expected = arxiv_total * (1 + CROSS_LIST + UPDATE * (1 + UPDATE_AGAIN))
    day_count = max(min(3, arxiv_total), round(expected / DAILY_VOLUME))
    days = _weekdays(start or _start(day_count), day_count)
    per_day = expected / day_count

    # Each day's channels and their relative sizes; new papers are spread over days by size.
    plans: list[list[tuple[str, int]]] = []
    for _ in days:
        count = max(1, min(len(CHANNELS), round(per_day / PAPERS_PER_CHANNEL * rng.uniform(0.6, 1.4))))
        plans.append([(channel, rng.randint(*FILE_WEIGHT)) for channel in _pick_channels(rng, count)])
    weights = [sum(w for _, w in plan) for plan in plans]
    spare = arxiv_total - day_count
    bounds = [0]
    running = 0
    for weight in weights:
        running += weight
        bounds.append(round(spare * running / sum(weights)))
    new_per_day = [1 + bounds[i + 1] - bounds[i] for i in range(day_count)]

    pending: dict[int, list[tuple[Paper, int]]] = {}
    counters: dict[str, int] = {}
    shared_titles: list[str] = []
    shared_needed = shared
    remaining = arxiv_total
    for index, date in enumerate(days):
        plan = plans[index]
        channels = [c for c, _ in plan]
        cumulative = list(itertools.accumulate(w for _, w in plan))
        files: dict[str, list[Listing]] = {c: [] for c in channels}
        yymm = f"{date.year % 100:02d}{date.month:02d}"
        if yymm not in counters:
            counters[yymm] = rng.randint(1, 400)
        layout = _layout(date)
        for _ in range(new_per_day[index]):
            number = counters[yymm]
            counters[yymm] += 1 + (rng.random() < 0.4)
            if number > 99999:
                raise RuntimeError(f"more than 99,999 papers in {yymm}: lower DAILY_VOLUME")
            channel = rng.choices(channels, cum_weights=cumulative)[0]
            paper = _new_paper(corpus, f"{yymm}.{number:05d}", channel, layout)
            files[channel].append(Listing(paper, "new", 1))
            cross = rng.random() < CROSS_LIST
            if cross and len(channels) > 1:
                other = rng.choice([c for c in channels if c != channel])
                files[other].append(Listing(paper, "cross", 1))
            # A day of one channel cannot cross-list: the paper is updated later instead.
            if index + 1 < day_count and (rng.random() < UPDATE or (cross and len(channels) == 1)):
                later = index + min(day_count - 1 - index, 1 + int(rng.expovariate(1 / 5)))
                pending.setdefault(later, []).append((paper, 1 + rng.randint(1, 2)))
            if shared_needed and rng.random() < shared_needed / remaining:
                shared_titles.append(paper.title)
                shared_needed -= 1
            remaining -= 1
        for paper, version in pending.pop(index, []):
            home = paper.channel in files and rng.random() < 0.7
            channel = paper.channel if home else rng.choice(channels)
            files[channel].append(Listing(paper, "replace" if channel == paper.channel else "replace-cross", version))
            if index + 1 < day_count and rng.random() < UPDATE_AGAIN:
                later = index + min(day_count - 1 - index, 1 + int(rng.expovariate(1 / 5)))
                pending.setdefault(later, []).append((paper, version + 1))
        if rng.random() < EMPTY_DIGEST and len(channels) < len(CHANNELS):
            files[rng.choice([c for c in CHANNELS if c not in files])] = []
        for channel, listings in files.items():
            corpus.write(f"arxiv/{date.isoformat()}/{channel}.md", _digest(corpus, date, listings))
            corpus.counts.arxiv_files += 1

    # Venue collections: shared titles and venue-only papers mixed, a few files per venue.
    entries: list[str | None] = [*shared_titles, *([None] * venue_only)]
    rng.shuffle(entries)
    combos = [(v, t) for v in VENUES for t in TOPICS]
    rng.shuffle(combos)
    for (venue, year, _), _topic in combos:
        if (venue, year) not in corpus.venue_ids:
            first = rng.randint(1000, 60000)
            ids = list(range(first, first + 3 * len(entries) + 10))
            rng.shuffle(ids)
            corpus.venue_ids[(venue, year)] = ids
    taken = 0
    for number, ((venue, year, link), topic) in enumerate(combos):
        if taken >= len(entries):
            break
        # Files of 60-300 papers, bigger where the venues and topics would run out.
        size = max(rng.randint(*VENUE_FILE), math.ceil((len(entries) - taken) / (len(combos) - number)))
        chunk = entries[taken : taken + size]
        taken += len(chunk)
        text = _venue_file(corpus, venue, year, link, topic, chunk)
        corpus.write(f"venues/{_slug(venue)}-{year}/{_slug(topic)}.md", text)
        corpus.counts.venue_files += 1

    counts = corpus.counts
    return Summary(
        files=counts.files,
        papers=n_papers,
        appearances=counts.appearances,
        bytes=counts.bytes,
        arxiv_files=counts.arxiv_files,
        venue_files=counts.venue_files,
        repeated=counts.appearances - n_papers,
        venue_papers=venue_total,
        shared_papers=shared,
        truncated=counts.truncated,
        old_style=counts.old_style,
        new_style=counts.new_style,
        first_date=days[0].isoformat(),
        last_date=days[-1].isoformat(),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("papers", type=int, help="distinct papers to write")
    parser.add_argument("out", type=Path, help="the folder to write (new or empty); it becomes content/")
    parser.add_argument("--seed", type=int, default=0, help="the same seed gives byte-identical files")
    parser.add_argument(
        "--start",
        type=dt.date.fromisoformat,
        help="the first date, YYYY-MM-DD (default: a range centred on 2024-02-15, holding both title styles)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        summary = generate(args.papers, args.out, args.seed, args.start)
    except (ValueError, FileExistsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - started
    share = summary.repeated / max(1, summary.appearances)
    print(
        f"wrote {summary.files} files ({summary.arxiv_files} daily digests {summary.first_date} to "
        f"{summary.last_date}, {summary.venue_files} venue collections), {summary.bytes / 1e6:.1f} MB: "
        f"{summary.papers} papers, {summary.appearances} appearances ({share:.1%} repeats; "
        f"{summary.old_style} old-style, {summary.new_style} new-style, {summary.truncated} truncated), "
        f"{summary.venue_papers} venue papers ({summary.shared_papers} also on arXiv) in {seconds:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
