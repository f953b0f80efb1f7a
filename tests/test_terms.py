"""Terms: segmentation of domain terms, keyness by hand, formulations on seed sentences, cache."""

from __future__ import annotations

import io
import math
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import jieba
import numpy as np
import pandas as pd
import pytest
from conftest import EXTRA_FILES, ROOT, SEED_FILES, run_cli
from gongwen import corpus, terms


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    """Every test gets its own segmentation cache, so none depends on the project's."""
    monkeypatch.setenv("GONGWEN_CACHE_DIR", str(tmp_path / "cache"))


def _corpus(tmp_path: Path, texts: dict[str, str]) -> pd.DataFrame:
    folder = tmp_path / "mini"
    folder.mkdir()
    for name, text in texts.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return corpus.load_corpus(folder)


# --------------------------------------------------------------------------- segmentation

# (term, a stretch of a seed report holding it): the term must come out as one token.
DOMAIN_TERMS = [
    ("习近平法治思想", "二十大精神，全面学习贯彻习近平法治思想，在省委省政府坚强领导下"),
    ("法治政府", "省商务厅关于2023年度法治政府建设工作情况的报告"),
    ("放管服", "健全部门职能体系,深化“放管服”改革"),
    ("一网通办", "跨省通办、一网通办等能力显著增强,省市县乡"),
    ("营商环境", "）创新服务理念，持续优化营商环境"),
    ("行政规范性文件", "制发行政规范性文件and政策措施前，征求法"),
    ("重大行政决策", "资金使用和重点行业审批等重大行政决策的法定程序"),
    ("合法性审查", "与、专家论证、风险评估、合法性审查、集体讨论决定作为对重大"),
    ("公平竞争审查", "查、规章规范性文件备案、公平竞争审查等工作的相关规定，严格审"),
    ("第一责任人", "门主要负责人推进法治建设第一责任人职责，制定并印发责任清单"),
    ("双随机、一公开", "6个事项实现“双随机、一公开”联合抽查383家,3个"),
    ("一件事一次办", "4.推进“一件事一次办”改革"),
    ("一网统管", "1.推进“一网通办”“一网统管”“一网协同”"),
    ("一网协同", "一网通办”“一网统管”“一网协同”"),
    ("行政裁量权基准", "动态调整完善行政裁量权基准,建立包容审慎监管执法“"),
    ("四张清单", "建立包容审慎监管执法“四张清单”,涉及内容*项"),
    ("三项制度", "落实行政执法“三项制度”"),
    ("案卷评查", "三是组织开展行政执法案卷评查"),
    ("法律顾问", "件and政策措施前，征求法律顾问、相关单位和社会意见，确"),
    ("政务数据共享", "跨层级、跨地域、跨部门的政务数据共享交换体系"),
    ("12345热线", "开发辽宁省12345热线行政执法投诉信息查询系统"),
    ("互联网+监管", "通办”、“免申即享”、“互联网+监管”、疫情防控、便民服务等"),
    ("党组理论学习中心组", "法治思想纳入省商务厅年度党组理论学习中心组学习计划和党支部学习计划"),
    ("两个确立", "坚持政治引领，深刻领悟“两个确立”的决定性意义，增强“四"),
    ("四个意识", "立”的决定性意义，增强“四个意识”、坚定“四个自信”、做"),
    ("严格规范公正文明执法", "务领域法治工作水平，推动严格规范公正文明执法"),
    ("谁执法谁普法", "工作深度融合，全面落实“谁执法谁普法”的普法责任制度，组织开"),
    ("跨省通办", "跨省通办、一网通办等能力显著增强"),
    ("容缺受理", "完善投资项目容缺受理机制,有效压缩审批时长"),
    ("数字法治政府", "技保障体系,高效推进建设数字法治政府"),
    ("出庭应诉", "进一步加强行政机关负责人出庭应诉工作的若干措施》, (略"),
    ("行政复议法", "积极落实新修订的《行政复议法》，充分发挥行政复议化解"),
    ("市场准入负面清单", "一是扎实做好市场准入负面清单工作"),
    ("权责清单", "推动权责清单与“三定”规定、行政许可"),
    ("一窗受理", "主体登记注册和行政许可“一窗受理,并联审批,一口出照(证"),
    ("告知承诺", "照取消审批、审批改备案、告知承诺、优化审批服务等四种方式"),
    ("三调联动", "推动行政调解和“三调联动”工作走深走实"),
    ("应急演练", "等重大会议,开展网络安全应急演练、监测预警"),
    ("政府规章", "制定政府规章1件,修订1件,废止6件"),
    ("地方性法规", "(略)人大常委会审议地方性法规草案3件,修改地方性法规"),
    ("公职律师", "选优配强法律顾问,加强公职律师管理培训"),
    ("行政许可事项清单", "组织编制省市县三级行政许可事项清单,以省政府名义印发《辽宁"),
    ("包容审慎监管", "完善行政裁量权基准,建立包容审慎监管执法“四张清单”,涉及内"),
    ("简政放权", "事项清单化管理,深入推进简政放权工作"),
    ("政务公开", "结合“515政务公开日”和“宪法宣传周”等活"),
    ("人大代表建议", "(略)人大代表建议政协提案823件,满意率"),
    ("政协提案", "政协提案43件（主办、分办13件"),
    ("审计监督", "重大项目、重大资金加强审计监督"),
    ("科学民主决策", "(三)坚持科学民主决策,提升行政决策公信力和执"),
    ("集体讨论决定", "风险评估、合法性审查、集体讨论决定作为对重大项目投资、大额"),
    ("高质量发展", "设，着力为新时代商务工作高质量发展提供坚实法治保障"),
    ("党的二十大", "主义思想为指导，认真学习党的二十大精神，全面学习贯彻习近平"),
    ("全国统一大市场", "2.推动融入全国统一大市场"),
    ("事中事后监管", "管、一网协同，创新和加强事中事后监管，进一步激发市场主体发展"),
    ("只提交一次", "制定下发《省商务厅“只提交一次材料”改革实施方案》《省"),
    ("免申即享", "政务服务“一网通办”、“免申即享”、“互联网+监管”、疫"),
    ("政务诚信", "我市在全省政务诚信评价中获评优秀"),
    ("行政执法事项清单", "二是组织开展行政执法事项清单动态调整工作"),
    ("自贸试验区", "辽宁自贸试验区新增注册企业1.4万家"),
    ("招商引资", "三是招商引资快速增长"),
]


@pytest.mark.parametrize(("term", "snippet"), DOMAIN_TERMS)
def test_domain_terms_come_out_whole(term, snippet, seed_docs):
    assert any(snippet in text for text in seed_docs["text"]), "the snippet must be real seed text"
    assert term in terms.segment(snippet)


def test_every_seed_dictionary_entry_occurs_and_is_cut_whole_somewhere(seed_docs):
    table = terms.user_dictionary()
    assert len(table) >= 300
    assert set(table["source"]) == {"seeds", "genre", "outline"}
    seeds = table.loc[table["source"] == "seeds", "term"]
    text = "\n".join(seed_docs["text"])
    absent = [t for t in seeds if t not in text]
    assert not absent, f"entries marked seeds but not in the seeds: {absent}"
    counts = Counter(terms.tokenize(seed_docs, stopwords="none")["term"])
    longer = [t for t in table["term"] if counts[t]]
    # an entry may only ever occur inside a longer entry (理论学习中心组 in 党组理论学习中心组)
    never_whole = [t for t in seeds if counts[t] == 0 and not any(t in other and t != other for other in longer)]
    assert not never_whole, f"entries jieba never keeps whole: {never_whole}"


def test_fast_segmenter_cuts_exactly_as_jieba():
    """``terms._fast_cut`` (jieba-rs routes + jieba's HMM) against jieba's own ``Tokenizer.cut``
    with the same dictionary, on every paragraph of the seeds and the extra reports, and on texts
    built to hit the edge cases: unknown characters, ties, Latin and digits, runs for the HMM,
    characters the two count differently, whitespace."""
    tokenizer, _ = terms._segmenter()
    cut = terms._fast_cut()
    texts = ["", "。", "龘龘龘", "a", "B超和T恤", "2023年12.5%增长", "王小明和李四在依法行政", "的的的的",
             "研究生命起源", "结婚的和尚未结婚的", "深化“放管服”改革，优化营商环境。", "RCEP协定", "R C E P",
             # characters only jieba-rs counts as Chinese (Extension A, U+9FD6–, compatibility, Extension B)
             "㐀㐁", "中\u9fd6国", "㐀abc中国12\U00020001人民\uf900政府", "a b\r\nc\td", "\x1c中\x1d国\u00a0人 \r\n 民"]
    for path in [*SEED_FILES, *EXTRA_FILES]:
        raw = corpus._unify_newlines(corpus.decode_bytes(path.read_bytes())[0])
        texts += [text for _, _, text in corpus.clean_text(raw).paragraphs]
    assert len(texts) > 200  # every paragraph was read
    differing = []
    for text in texts:
        ours: list[str] = []
        cut(text, ours)
        if ours != list(tokenizer.cut(text, HMM=True)):
            differing.append(text[:40])
    assert not differing


def test_fast_segmenter_breaks_ties_as_jieba(tmp_path):
    """Equal scores are exact with equal frequencies: 甲乙丙丁 is 甲乙+丙丁 or 甲乙丙+丁 (two words
    each), and jieba takes the later end; unknown characters (戊) and HMM runs go the same way."""
    import jieba

    words = ["甲", "乙", "丙", "丁", "甲乙", "丙丁", "甲乙丙", "乙丙", "己庚"]
    path = tmp_path / "dict.txt"
    path.write_text("".join(f"{w} 10\n" for w in words), encoding="utf-8")
    tokenizer = jieba.Tokenizer(str(path))
    tokenizer.tmp_dir = str(tmp_path)  # jieba writes its model cache there
    tokenizer.initialize()
    cut = terms._cutter(*terms._build_dictionary(tokenizer))
    texts = ["甲乙丙丁", "丙丁甲乙丙丁", "乙丙丁甲", "甲乙乙丙丁甲", "丙丁乙丙丁甲", "戊甲乙丙丁戊戊", "己庚丁甲",
             "丁丁丁", "甲乙丙丁，乙丙。"]
    for text in texts:
        ours: list[str] = []
        cut(text, ours)
        assert ours == list(tokenizer.cut(text, HMM=True)), text


def test_fast_segmenter_scores_with_jiebas_running_total(tmp_path):
    """jieba's total frequency counts a re-added word twice, and the total decides between routes of
    different lengths: 甲乙 (frequency 1) beats 甲+乙 (20 each) exactly when the total exceeds 400."""
    import jieba

    path = tmp_path / "dict.txt"
    path.write_text("甲 20\n乙 20\n甲乙 1\n戊己 50\n丁 300\n", encoding="utf-8")
    for readd, expected in [(False, ["甲", "乙", "戊己"]), (True, ["甲乙", "戊己"])]:
        tokenizer = jieba.Tokenizer(str(path))
        tokenizer.tmp_dir = str(tmp_path)
        tokenizer.initialize()
        if readd:
            tokenizer.add_word("丁", 300)  # same frequency; jieba's total grows from 391 to 691
        cut = terms._cutter(*terms._build_dictionary(tokenizer))
        ours: list[str] = []
        cut("甲乙戊己", ours)
        assert list(tokenizer.cut("甲乙戊己", HMM=True)) == expected
        assert ours == expected


def test_numbers_punctuation_and_redactions_are_not_tokens():
    words = terms.segment("2023年，全省社会消费品零售总额实现10362.1亿元，同比增长8.8%，(略)十项重点任务")
    # 年 stays (a function word, removed by tokenize); 亿元 after a number is part of the number
    assert words == ["年", "全省", "社会", "消费品", "零售总额", "实现", "同比", "增长", "重点", "任务"]


@pytest.mark.parametrize(("text", "expected"), [
    ("一是社会消费持续升温", ["一是", "社会", "消费", "持续", "升温"]),
    ("“一把手”带头抓招商", ["一把手", "带头", "抓", "招商"]),
    ("第一批至第五批", ["至"]),
    ("主体多元", ["主体", "多元"]),
])
def test_numerals_inside_words_stay(text, expected):
    assert terms.segment(text) == expected


def test_stopword_lists():
    function, boilerplate = terms.stopwords("function"), terms.stopwords("boilerplate")
    assert {"的", "和", "在", "对", "等", "为", "与"} <= function
    assert {"推进", "加强", "工作", "进一步", "一是"} <= boilerplate
    assert not function & boilerplate
    assert terms.stopwords("function+boilerplate") == function | boilerplate
    assert terms.stopwords("none") == frozenset()
    with pytest.raises(ValueError):
        terms.stopwords("english")  # type: ignore[arg-type]


# Parts of speech that mark function words in jieba's dictionary: prepositions, conjunctions,
# particles, pronouns, modal particles, interjections, onomatopoeia, numerals, classifiers,
# localisers. Adverbs are left out: jieba tags 立法, 进度 and 大连 as adverbs.
FUNCTION_TAGS = {"p", "c", "u", "uj", "ul", "uz", "ud", "ug", "uv", "y", "e", "o", "r", "rr", "rz", "m", "q", "f"}
# Tagged r but content here: the cities a provincial plan instructs.
NOT_FUNCTION = {"各市"}


def _jieba_tags() -> dict[str, str]:
    path = Path(jieba.__file__).parent / "dict.txt"
    tags = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            word, _, tag = line.split()
            tags[word] = tag
    return tags


def test_no_function_word_in_any_top_20(seed_docs):
    tags = _jieba_tags()
    top = terms.top_terms(terms.frequencies(terms.tokenize(seed_docs)), n=20)
    found = sorted({t for t in top["term"] if tags.get(t) in FUNCTION_TAGS} - NOT_FUNCTION)
    assert not found
    # the check can fail: without stopwords, function words lead every report
    raw = terms.top_terms(terms.frequencies(terms.tokenize(seed_docs, stopwords="none")), n=20)
    assert {t for t in raw["term"] if tags.get(t) in FUNCTION_TAGS} >= {"的", "和"}


def test_tokens_table(seed_docs):
    tokens = terms.tokenize(seed_docs)
    assert list(tokens.columns) == terms.TOKEN_COLUMNS
    assert set(tokens["doc_id"]) == set(corpus.usable(seed_docs)["doc_id"])
    assert not tokens["term"].isin(terms.stopwords("function")).any()
    assert not tokens["term"].str.fullmatch(r"[\d.%]+").any()
    # line is the first line on disk of the paragraph the token comes from
    paragraphs = corpus.paragraphs(seed_docs).set_index(["doc_id", "para_id"])
    lines = paragraphs.loc[list(zip(tokens["doc_id"], tokens["para_id"], strict=True)), "line"]
    assert (lines.to_numpy() == tokens["line"].to_numpy()).all()
    assert not tokens.duplicated(["doc_id", "para_id", "position"]).any()


def test_tokenize_ignores_unusable_reports(tmp_path):
    docs = _corpus(tmp_path, {"a": "深化“放管服”改革。", "b": "深化“放管服”改革。", "c": ""})
    assert corpus.usable(docs)["doc_id"].tolist() == ["a"]
    assert terms.tokenize(docs)["doc_id"].unique().tolist() == ["a"]


# --------------------------------------------------------------------------- cache


def test_cached_run_equals_cold_run(seed_docs, tmp_path):
    from gongwen import cache

    uncached = terms.tokenize(seed_docs, cache=False)
    cold = terms.tokenize(seed_docs)
    files = sorted((tmp_path / "cache" / "reports").rglob("*.pkl"))
    assert len(files) == len(corpus.usable(seed_docs))
    cache.clear()  # forget what is in memory: the next run reads the files
    warm = terms.tokenize(seed_docs)
    pd.testing.assert_frame_equal(cold, uncached)
    pd.testing.assert_frame_equal(warm, uncached)
    files[0].write_bytes(b"not a pickle")  # a damaged file is segmented again
    cache.clear()
    pd.testing.assert_frame_equal(terms.tokenize(seed_docs), uncached)
    assert not list((tmp_path / "cache" / "reports").rglob(".tmp-*"))


def test_adding_a_report_segments_only_that_report(seed_copy, monkeypatch):
    docs = corpus.load_corpus(seed_copy)
    before = terms.tokenize(docs)
    calls = []
    original = terms._pieces
    monkeypatch.setattr(terms, "_pieces", lambda text: calls.append(text) or original(text))
    (seed_copy / "999_new.txt").write_text("关于2024年法治政府建设情况的报告\n深化“放管服”改革。", encoding="utf-8")
    after = terms.tokenize(corpus.load_corpus(seed_copy))
    assert calls == ["关于2024年法治政府建设情况的报告", "深化“放管服”改革。"]
    pd.testing.assert_frame_equal(after[after["doc_id"] != "999_new"].reset_index(drop=True), before)


def test_nothing_reaches_stderr(tmp_path):
    env = dict(os.environ, GONGWEN_CACHE_DIR=str(tmp_path / "c"), TMPDIR=str(tmp_path / "t"))
    (tmp_path / "t").mkdir()
    code = (f"from gongwen import corpus, terms; d = corpus.load_corpus({str(ROOT / 'seeds')!r}); "
            "print(len(terms.tokenize(d)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert done.stderr == ""
    assert int(done.stdout) > 1000


# --------------------------------------------------------------------------- frequencies


def _tokens(docs: dict[str, list[str]]) -> pd.DataFrame:
    rows = [(d, 1, 1, i, t) for d, words in docs.items() for i, t in enumerate(words)]
    return pd.DataFrame(rows, columns=terms.TOKEN_COLUMNS)


def test_frequencies_by_hand():
    tokens = _tokens({"a": ["乙", "甲", "乙", "丙", "甲", "丁"], "b": ["甲"]})
    freq = terms.frequencies(tokens)
    assert list(freq.columns) == terms.FREQUENCY_COLUMNS
    got = [tuple(r) for r in freq.itertuples(index=False)]
    # ties share the lowest rank and are ordered by term (code point: 丁 < 丙 < 乙 < 甲)
    assert got == [
        ("a", "乙", 2, 3333.33, 1, 1),
        ("a", "甲", 2, 3333.33, 1, 2),
        ("a", "丁", 1, 1666.67, 3, 1),
        ("a", "丙", 1, 1666.67, 3, 1),
        ("b", "甲", 1, 10000.0, 1, 2),
    ]
    assert terms.top_terms(freq, n=1)["term"].tolist() == ["乙", "甲"]
    assert len(terms.top_terms(freq, n=0)) == len(freq)


# --------------------------------------------------------------------------- keyness


def test_keyness_by_hand():
    # Target: X 10, Y 90 (T = 100). Reference: X 20, Y 970, Z 10 (R = 1000). N = 1100.
    tokens = _tokens({"t": ["X"] * 10 + ["Y"] * 90, "r": ["X"] * 20 + ["Y"] * 970 + ["Z"] * 10})
    key = terms.keyness(tokens, target="t").set_index("term")
    # X: expected a = 30·100/1100 = 2.7273, b = 27.2727, c = 97.2727, d = 972.7273;
    # G² = 2[10 ln(10/2.7273) + 20 ln(20/27.2727) + 90 ln(90/97.2727) + 980 ln(980/972.7273)]
    #    = 2[12.9928 − 6.2031 − 6.9938 + 7.2998] = 14.1915, positive since 10 > 2.7273.
    assert key.loc["X", "g2"] == pytest.approx(14.191540, abs=1e-5)
    # Log Ratio = log2((10.5/100) / (20.5/1000)) = log2(5.12195) = 2.35669
    assert key.loc["X", "log_ratio"] == pytest.approx(2.356694, abs=1e-5)
    # Z is absent from the target: the 0·ln 0 term is 0 and the sign is negative.
    # G² = −2[10 ln(10/9.0909) + 100 ln(100/99.0909) + 990 ln(990/990.9091)] = −1.91535
    assert key.loc["Z", "g2"] == pytest.approx(-1.915353, abs=1e-5)
    assert key.loc["Z", "log_ratio"] == pytest.approx(math.log2((0.5 / 100) / (10.5 / 1000)))
    assert key.loc["X", "p"] == pytest.approx(1.654e-4, rel=1e-2)  # chi² 1 df upper tail
    assert (key.loc["X", "n_target"], key.loc["X", "n_reference"]) == (10, 20)
    # Y: a = 90 < E = 96.3636, G² = −2[90 ln(90/96.3636) + 970 ln(970/963.6364) + 10 ln(10/3.6364)
    #    + 30 ln(30/36.3636)] = −2[−6.1487 + 6.3846 + 10.1160 − 5.7712] = −9.1614, below Z.
    assert key.loc["Y", "g2"] == pytest.approx(-9.161445, abs=1e-5)
    assert key.index.tolist() == ["X", "Z", "Y"]
    with pytest.raises(ValueError):
        terms.keyness(tokens, target="nobody")
    with pytest.raises(ValueError):
        terms.keyness(tokens, target=["t", "r"])


def test_key_terms_agree_with_keyness(seed_docs):
    tokens = terms.tokenize(seed_docs)
    keys = terms.key_terms(tokens, n=5)
    doc_id = keys["doc_id"].iloc[0]
    full = terms.keyness(tokens, target=doc_id)
    positive = keys[(keys["doc_id"] == doc_id) & (keys["direction"] == "positive")]
    assert positive["term"].tolist() == full["term"].head(5).tolist()
    assert np.allclose(positive["g2"], full["g2"].head(5))
    negative = keys[(keys["doc_id"] == doc_id) & (keys["direction"] == "negative")]
    assert (negative["g2"] < 0).all() and negative["rank"].tolist() == [1, 2, 3, 4, 5]
    assert terms.key_terms(tokens[tokens["doc_id"] == doc_id]).empty


def test_tfidf_matches_scikit_learn(seed_docs):
    from sklearn.feature_extraction.text import TfidfTransformer

    tokens = terms.tokenize(seed_docs)
    matrix = terms.term_matrix(tokens)
    expected = TfidfTransformer().fit_transform(matrix.matrix).toarray()
    table = terms.tfidf(tokens)
    got = table.pivot(index="doc_id", columns="term", values="tfidf").reindex(
        index=matrix.doc_ids, columns=matrix.terms).fillna(0).to_numpy()
    assert np.allclose(got, expected)
    assert matrix.matrix.sum() == len(tokens)


# --------------------------------------------------------------------------- collocations, kwic


def test_collocations_by_hand():
    # paragraph 1: 法治 政府 建设 _ 法治 政府; paragraph 2: 政府 _ 法治 建设 (_ = a removed piece)
    rows = [("a", 1, 1, 0, "法治"), ("a", 1, 1, 1, "政府"), ("a", 1, 1, 2, "建设"), ("a", 1, 1, 4, "法治"),
            ("a", 1, 1, 5, "政府"), ("a", 2, 3, 0, "政府"), ("a", 2, 3, 2, "法治"), ("a", 2, 3, 3, "建设")]
    table = terms.collocations(pd.DataFrame(rows, columns=terms.TOKEN_COLUMNS), measure="pmi", min_count=1)
    # N = 4 bigrams: 法治政府 ×2, 政府建设 ×1, 法治建设 ×1; 政府…法治 spans a gap and is no bigram.
    # first-word counts 法治 3, 政府 1; second-word counts 政府 2, 建设 2.
    assert table["bigram"].tolist() == ["政府建设", "法治政府", "法治建设"]
    assert table["count"].tolist() == [1, 2, 1]
    assert table["pmi"].tolist() == pytest.approx([
        math.log2(1 * 4 / (1 * 2)),  # 1
        math.log2(2 * 4 / (3 * 2)),  # 0.415
        math.log2(1 * 4 / (3 * 2)),  # -0.585
    ])
    # 法治政府: table [[2, 1], [0, 1]], expected a = 3·2/4 = 1.5:
    # G² = 2[2 ln(2/1.5) + 1 ln(1/1.5) + 1 ln(1/0.5)] = 1.72609; 法治建设 is the mirror image, negative.
    assert table["g2"].tolist() == pytest.approx([1.726092, 1.726092, -1.726092], abs=1e-6)
    assert terms.collocations(pd.DataFrame(rows, columns=terms.TOKEN_COLUMNS), min_count=2)["bigram"].tolist() == [
        "法治政府"]


def test_kwic_lines_are_lines_on_disk(seed_docs):
    raw = {d: t.split("\n") for d, t in zip(seed_docs["doc_id"], seed_docs["raw_text"], strict=True)}
    # the second and third are on lines a PDF broke, joined to the paragraph above
    for pattern in ("法治政府", "思想，在省委省政府坚强领导下", "计划。将习近平法治思想纳入厅党组"):
        table = terms.kwic(seed_docs, pattern, window=5)
        assert len(table) > 0
        for row in table.itertuples():
            assert pattern in raw[row.doc_id][row.line - 1]
            assert row.match == pattern and len(row.left) <= 5 and len(row.right) <= 5
    regex = terms.kwic(seed_docs, r"“[^”]{2,6}”", regex=True)
    assert "“两个确立”" in set(regex["match"])


# --------------------------------------------------------------------------- formulations


@pytest.mark.parametrize(("variant", "canonical"), [
    ("《法治政府建设实施纲要（2021—2025年）》", "法治政府建设实施纲要（2021—2025年）"),
    ("《法治政府建设实施纲要(2021-2025年)》", "法治政府建设实施纲要（2021—2025年）"),
    ("《法治政府建设实施纲要（2021－2025年）》", "法治政府建设实施纲要（2021—2025年）"),
    ("《法治政府建设实施纲要（２０２１–２０２５年）》", "法治政府建设实施纲要（2021—2025年）"),
    ("法治政府建设实施纲要 (2021——2025年)", "法治政府建设实施纲要（2021—2025年）"),
    ("《 <辽宁省法治政府建设实施方案(2021-2025年)> 重要举措分工方案》",
     "〈辽宁省法治政府建设实施方案（2021—2025年）〉重要举措分工方案"),
    ("《〈辽宁省法治政府建设实施方案（2021—2025年）〉重要举措分工方案》",
     "〈辽宁省法治政府建设实施方案（2021—2025年）〉重要举措分工方案"),
    ("《关于印发《辽宁省行政执法专项考核方案（试行）》的通知》",
     "关于印发〈辽宁省行政执法专项考核方案（试行）〉的通知"),
    ("《中共辽宁省委组织部关于印发<辽宁省行政执法专项考核方案（试行）>的通知》",
     "中共辽宁省委组织部关于印发〈辽宁省行政执法专项考核方案（试行）〉的通知"),
    ("《省商务厅“只提交一次材料”改革实施方案》", "省商务厅“只提交一次材料”改革实施方案"),
])
def test_normalize_title(variant, canonical):
    assert terms.normalize_title(variant) == canonical


# (seed sentence, kind, forms found): numbered formulations, quotations and citations.
SEED_SENTENCES = [
    ("深刻领悟“两个确立”的决定性意义，增强“四个意识”、坚定“四个自信”、做到“两个维护”。", "numbered",
     ["两个确立", "四个意识", "四个自信", "两个维护"]),
    ("6个事项实现“双随机、一公开”联合抽查383家。", "numbered", ["双随机、一公开"]),
    ("落实行政执法“三项制度”。", "numbered", ["三项制度"]),
    ("推出61个“一件事一次办”事项。", "numbered", ["一件事一次办"]),
    ("“新生儿出生”等13个“一件事”通过线上或线下方式实现“一次办”。", "numbered", ["一件事", "一次办"]),
    ("围绕招商引资、签约项目落地等优化营商环境“六大专项任务”。", "numbered", ["六大专项任务"]),
    ("推动权责清单与“三定”规定、行政许可、政务服务等清单目录有机衔接。", "numbered", ["三定"]),
    ("按照取消审批、审批改备案、告知承诺、优化审批服务等四种方式。", "numbered", []),
    ("组织落实三定方案。", "numbered", []),
    ("建立包容审慎监管执法“四张清单”,涉及内容*项。", "numbered", ["四张清单"]),
    ("构建政商亲清“新关系”，打造宜居兴业“软环境”。", "quoted", ["新关系", "软环境"]),
    ('结合"515政务公开日"和"宪法宣传周"等活动。', "quoted", ["515政务公开日", "宪法宣传周"]),
    ("围绕落实中共中央、国务院《法治政府建设实施纲要（2021-2025年）》和《辽宁省法治政府建设实施方案（2021-2025年）》。",
     "cited", ["法治政府建设实施纲要（2021—2025年）", "辽宁省法治政府建设实施方案（2021—2025年）"]),
    ("根据《辽宁省实施〈法治政府建设与责任落实督察工作规定〉细则》要求。", "cited",
     ["辽宁省实施〈法治政府建设与责任落实督察工作规定〉细则"]),
    ("带头抓好《 <辽宁省法治政府建设实施方案(2021-2025年)> 重要举措分工方案》等文件。", "cited",
     ["〈辽宁省法治政府建设实施方案（2021—2025年）〉重要举措分工方案"]),
    ("强力推动《法治政府建设实施纲要(2021—2025年)》落地落实。", "cited", ["法治政府建设实施纲要（2021—2025年）"]),
]


@pytest.mark.parametrize(("sentence", "kind", "forms"), SEED_SENTENCES)
def test_formulations_on_seed_sentences(sentence, kind, forms, tmp_path):
    docs = _corpus(tmp_path, {"a": sentence})
    table = terms.formulations(docs)
    assert list(table.columns) == ["doc_id", "line", "kind", "text", "form"]
    got = table.loc[table["kind"] == kind, "form"].tolist()
    assert sorted(got) == sorted(forms)


def test_citation_variants_count_as_one_document(tmp_path):
    docs = _corpus(tmp_path, {
        "a": "落实《法治政府建设实施纲要（2021—2025年）》。",
        "b": "落实《法治政府建设实施纲要(2021-2025年)》和《公司法》。",
        "c": "学习《民法典》。",
    })
    matrix = terms.formulation_matrix(terms.citations(docs), docs)
    assert matrix.index.tolist() == ["法治政府建设实施纲要（2021—2025年）", "公司法", "民法典"]
    assert matrix["报告数"].tolist() == [2, 1, 1]
    assert matrix.columns.tolist() == ["报告数", *corpus.usable(docs)["label"]]
    assert terms.formulation_matrix(terms.citations(docs), docs, min_reports=2).index.tolist() == [
        "法治政府建设实施纲要（2021—2025年）"]


def test_formulation_lines_map_to_disk(seed_docs):
    raw = {d: t.split("\n") for d, t in zip(seed_docs["doc_id"], seed_docs["raw_text"], strict=True)}
    table = terms.formulations(seed_docs)
    assert set(table["kind"]) == {"numbered", "quoted", "cited"}
    for row in table[table["kind"] == "cited"].itertuples():
        assert "《" in raw[row.doc_id][row.line - 1]
    seed_forms = set(table.loc[table["kind"] == "numbered", "form"])
    assert {"两个确立", "四个意识", "三项制度", "四张清单", "一件事一次办", "双随机、一公开"} <= seed_forms


# --------------------------------------------------------------------------- profile, CLI


@pytest.mark.parametrize(("words", "window", "expected"), [
    (["a", "b", "a", "c"], 2, 1.0),  # windows ab, ba, ac: 2/2 each
    (["a", "b", "a", "c"], 3, (2 / 3 + 3 / 3) / 2),  # windows aba, bac
    (["a", "a", "a"], 5, 1 / 3),  # shorter than the window: plain TTR
])
def test_mattr_by_hand(words, window, expected):
    assert terms._mattr(words, window) == pytest.approx(expected)


def test_mattr_equals_counting_window_by_window():
    """_mattr counts each token once per window in which it is its term's first: the same whole
    number as counting the distinct terms of every window, so the very same ratio."""
    import random

    rng = random.Random(7)
    for _ in range(500):
        alphabet = "abcdefgh"[: rng.randint(1, 8)]
        words = [rng.choice(alphabet) for _ in range(rng.randint(1, 40))]
        window = rng.randint(1, 25)
        if len(words) <= window:
            expected = len(set(words)) / len(words)
        else:
            distinct = sum(len(set(words[s : s + window])) for s in range(len(words) - window + 1))
            expected = distinct / ((len(words) - window + 1) * window)
        assert terms._mattr(words, window) == expected, (words, window)


def test_lexical_profile(seed_docs, tmp_path):
    profile = terms.lexical_profile(seed_docs)
    assert profile["doc_id"].tolist() == corpus.usable(seed_docs)["doc_id"].tolist()
    assert (profile["types"] <= profile["tokens"]).all()
    assert profile["boilerplate_share"].between(0.05, 0.5).all()
    assert profile["mattr"].between(0, 1).all()
    # 一是 and 工作 are boilerplate, 的 a function word: 4 words, 2 of them boilerplate
    one = terms.lexical_profile(_corpus(tmp_path, {"a": "一是工作的法治政府。二是法治政府"}))
    row = one.iloc[0]
    assert (row["tokens"], row["types"], row["sentences"]) == (6, 5, 2)
    assert row["boilerplate_share"] == pytest.approx(round(3 / 6, 3))
    assert row["function_share"] == pytest.approx(round(1 / 6, 3))
    assert row["sentence_chars"] == pytest.approx((9 + 6) / 2)  # 一是工作的法治政府 / 二是法治政府


run = run_cli


def test_cli_terms(seed_copy):
    code, out, err = run("terms", str(seed_copy), "--top", "5", "--format", "csv")
    assert code == 0 and err == ""
    table = pd.read_csv(io.StringIO(out))
    assert table.columns.tolist() == ["doc_id", "term", "count", "per_10k", "rank"]
    assert table.groupby("doc_id").size().tolist() == [5] * len(SEED_FILES)
    code, out, _ = run("terms", str(seed_copy), "--top", "0", "--format", "csv")
    everything = pd.read_csv(io.StringIO(out))
    assert len(everything) == len(terms.frequencies(terms.tokenize(corpus.load_corpus(seed_copy))))
    assert run("terms", str(seed_copy), "--top", "-1")[0] == 2
    assert run("terms", str(seed_copy / "missing"))[0] == 2


def test_figures_draw(seed_docs, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tokens = terms.tokenize(seed_docs)
    freq = terms.frequencies(tokens)
    for fig in (terms.plot_top_terms(freq, seed_docs, n=5), terms.plot_keyness(terms.key_terms(tokens), seed_docs),
                terms.plot_wordclouds(freq, seed_docs, n_words=20, max_reports=2),
                terms.plot_comparison_cloud(tokens, seed_docs, max_words=30)):
        assert fig.axes
        plt.close(fig)
    comparison = terms.comparison_terms(tokens, max_words=50)
    assert len(comparison) == 50 and (comparison["weight"] > 0).all()


def test_keyword_selection_equals_sorting_every_candidate():
    """key_terms sorts only the candidates at or below the n-th key: the same terms, in the same
    order, as sorting them all by key and then by column, ties at the cut included."""
    import numpy as np

    rng = np.random.default_rng(3)
    for _ in range(300):
        key = rng.integers(-4, 4, size=rng.integers(1, 80)).astype(float)  # few values: many ties
        candidates = np.flatnonzero(rng.random(len(key)) < 0.7)
        n = int(rng.integers(1, 12))
        expected = sorted(candidates.tolist(), key=lambda i: (key[i], i))[:n]
        assert terms._first(candidates, key, n).tolist() == expected
