#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""Deterministic generator of csbridge's embedded sample (everything under samples/).

The sample is the legacy helpdesk of 柠檬优选 (Lemon Mall), a small Chinese e-commerce shop:
a home-grown MySQL-style schema with no foreign keys, its side exports (a GBK CSV from the CRM,
JSON Lines and JSON from the ERP, an XML file from the logistics partner), its legacy order API
(OpenAPI 3.0 + sample payloads), a project config, and the ground truth (EXPECTED.md and
expected.json) computed from the very rows that are written.

    python3 scripts/gen_sample.py           write the files (byte-identical on every run)
    python3 scripts/gen_sample.py --check   regenerate in memory; exit 1 if a committed file differs

Standard library only; fixed seeds; no set/hash iteration order is ever used for output.
The output is committed, so nobody needs to run this to use the sample.
"""

import datetime as dt
import hashlib
import json
import os
import random
import re
import sys
from decimal import Decimal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 20230815
NOW = dt.datetime(2023, 12, 31, 18, 0, 0)  # "now" of the legacy system (its last activity)
EXPORTED_AT = dt.datetime(2024, 1, 2, 9, 30, 0)
START = dt.datetime(2021, 1, 4, 9, 0, 0)
OLD_SYSTEM_UNTIL = dt.datetime(2022, 1, 1)  # tickets before: English status vocabulary, no group


def rng(name):
    """An independent, reproducible random stream per purpose (str seeds hash with SHA-512)."""
    return random.Random("csbridge-sample/%d/%s" % (SEED, name))


# ---------------------------------------------------------------------------------------------
# Value helpers
# ---------------------------------------------------------------------------------------------

def ts(t):
    return t.strftime("%Y-%m-%d %H:%M:%S")


def day_safe(t):
    """People sleep: a time in [01:00, 08:00) moves forward into [08:00, 10:30) of the same day.

    So no stored timestamp falls between 01:00 and 08:00 and none can land in a DST gap when
    MariaDB converts TIMESTAMP values through a session time zone that has DST. The result is
    never earlier than the input, so times made one after another stay in order."""
    t = t.replace(microsecond=0)
    if 1 <= t.hour < 8:
        off = (t - t.replace(hour=1, minute=0, second=0)).total_seconds()
        return t.replace(hour=8, minute=0, second=0) + dt.timedelta(seconds=int(off * 150 / 420))
    return t


def awake(t):
    return t is not None and not (1 <= t.hour < 8)


def in_office(t):
    return t is not None and (t.hour, t.minute) >= (8, 30) and t.hour < 22


def redraw(make, ok=awake, fallback=None, tries=12):
    """Draws make() until ok(result); after `tries` draws, moves the last one with fallback
    (default day_safe). Gives a natural time-of-day profile instead of a morning pile-up."""
    t = None
    for _ in range(tries):
        t = make()
        if t is None or ok(t):
            return None if t is None else t.replace(microsecond=0)
    return (fallback or day_safe)(t)


def office(t):
    """Agents and the warehouse work 08:30-22:00: later times move to the next morning."""
    t = t.replace(microsecond=0)
    if t.hour >= 22:
        off = (t - t.replace(hour=22, minute=0, second=0)).total_seconds()
        return (t + dt.timedelta(days=1)).replace(hour=8, minute=30, second=0) + dt.timedelta(seconds=int(off / 2))
    if t.hour < 8 or (t.hour == 8 and t.minute < 30):
        off = (t - t.replace(hour=0, minute=0, second=0)).total_seconds()
        return t.replace(hour=8, minute=30, second=0) + dt.timedelta(seconds=int(off / 4))
    return t


MOBILE_PREFIXES = (
    [str(p) for p in range(130, 140)] * 3 + [str(p) for p in range(145, 150)] +
    [str(p) for p in (150, 151, 152, 153, 155, 156, 157, 158, 159)] * 2 +
    ["162", "165", "166", "167"] + ["170", "171", "172", "173", "175", "176", "177", "178"] +
    [str(p) for p in range(180, 190)] * 2 + ["190", "191", "192", "193", "195", "196", "197", "198", "199"])

MOBILE_RE = re.compile(r"^(?:\+?86)?1(?:3\d|4[5-9]|5[0-35-9]|6[25-7]|7[0-8]|8\d|9[0-35-9])\d{8}$")


def normalize_mobile(v):
    """docs/personal-data.md: strip spaces and dashes, then the pattern (with optional +86/86)."""
    if v is None:
        return None
    s = v.replace(" ", "").replace("-", "")
    if not MOBILE_RE.match(s):
        return None
    return s[-11:]


_used_mobiles = []
_used_mobile_index = {}


def new_mobile(r):
    while True:
        m = r.choice(MOBILE_PREFIXES) + "%08d" % r.randrange(10 ** 8)
        if m not in _used_mobile_index:
            _used_mobile_index[m] = len(_used_mobiles)
            _used_mobiles.append(m)
            return m


_used_waybills = {}


def new_waybill(r, code):
    nd = dict((c[0], c[4]) for c in CARRIERS)[code]
    while True:
        wb = code + ("00" if code == "JD" else "") + "".join(
            str(r.randrange(10)) for _ in range(nd - (2 if code == "JD" else 0)))
        if wb not in _used_waybills:
            _used_waybills[wb] = 1
            return wb


def fmt_mobile_text(r, m):
    """How people type a phone number in a message."""
    x = r.random()
    if x < 0.80:
        return m
    if x < 0.90:
        return "%s %s %s" % (m[:3], m[3:7], m[7:])
    return "%s-%s-%s" % (m[:3], m[3:7], m[7:])


ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"
ID_REGIONS = ["110105", "110108", "310115", "310104", "440305", "440106", "330106", "330110",
              "320106", "320506", "510107", "420111", "500112", "610113", "370102", "350203",
              "430104", "120104", "410105", "210102", "430621", "342201", "411302", "360102",
              "130102", "450103", "530102", "220102"]


def id_check_char(body17):
    return ID_CHECK[sum(int(c) * w for c, w in zip(body17, ID_WEIGHTS)) % 11]


def id_valid(v):
    return (v is not None and len(v) == 18 and v[:17].isdigit() and v[17] in "0123456789X"
            and id_check_char(v[:17]) == v[17])


def new_id_card(r, gender=None, year_range=(1962, 2003)):
    region = r.choice(ID_REGIONS)
    birth = dt.date(r.randint(*year_range), 1, 1) + dt.timedelta(days=r.randrange(365))
    seq = r.randrange(1, 1000)
    if gender is not None:
        if (seq % 2 == 1) != (gender == 1):
            seq = seq + 1 if seq < 999 else seq - 1
    body = region + birth.strftime("%Y%m%d") + "%03d" % seq
    return body + id_check_char(body)


def luhn_ok(digits):
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


BANKS = [("622202", "工商银行", 19), ("622848", "农业银行", 19), ("621700", "建设银行", 19),
         ("622588", "招商银行", 16), ("621661", "中国银行", 19), ("622262", "交通银行", 19)]


def new_bank_card(r):
    bin_, bank, length = r.choice(BANKS)
    body = bin_ + "".join(str(r.randrange(10)) for _ in range(length - len(bin_) - 1))
    for c in "0123456789":
        if luhn_ok(body + c):
            return body + c, bank
    raise AssertionError


def fmt_card_text(r, card):
    if r.random() < 0.5:
        return card
    return " ".join(card[i:i + 4] for i in range(0, len(card), 4))


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def new_credit_code(r, region):
    """统一社会信用代码 (GB 32100) with a valid organisation code (GB 11714) and check char."""
    org = "".join(r.choice("0123456789ABCDEFGHJKLMNPQRTUWXY"[:10 + r.randrange(2) * 8]) for _ in range(8))
    vals = [int(c) if c.isdigit() else ord(c) - 55 for c in org]
    c9 = 11 - sum(v * w for v, w in zip(vals, [3, 7, 9, 10, 5, 8, 4, 2])) % 11
    org += "X" if c9 == 10 else ("0" if c9 == 11 else str(c9))
    body = "91" + region + org
    s = sum(USCC_CHARS.index(c) * w for c, w in zip(body, USCC_W))
    chk = 31 - s % 31
    return body + USCC_CHARS[0 if chk == 31 else chk]


# ---------------------------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------------------------

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔汤")
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
         "超", "秀英", "霞", "平", "刚", "桂英", "建华", "志强", "晓燕", "海燕", "文静", "子涵", "欣怡",
         "梓轩", "思雨", "佳琪", "雨桐", "梦瑶", "晓东", "春梅", "志红", "雪峰", "浩然", "一鸣", "俊杰",
         "丽娟", "建国", "玉兰", "凤英", "宇航", "佳怡", "诗涵", "博文", "晨曦", "婷婷", "亮", "鹏",
         "慧", "琳", "斌", "小红", "国强", "红梅", "秋菊", "家豪", "子豪", "嘉欣", "若曦"]
COMPOUND = ["欧阳", "司马", "上官"]
ENGLISH_NAMES = ["Emily Zhang", "Kevin Li", "Sophie Martin", "Daniel Wu"]

# (province, city, district, city_en, area code)
PLACES = [
    ("北京市", "北京市", "朝阳区", "Beijing", "010"), ("北京市", "北京市", "海淀区", "Beijing", "010"),
    ("上海市", "上海市", "浦东新区", "Shanghai", "021"), ("上海市", "上海市", "徐汇区", "Shanghai", "021"),
    ("上海市", "上海市", "闵行区", "Shanghai", "021"),
    ("广东省", "深圳市", "南山区", "Shenzhen", "0755"), ("广东省", "深圳市", "福田区", "Shenzhen", "0755"),
    ("广东省", "广州市", "天河区", "Guangzhou", "020"), ("浙江省", "杭州市", "西湖区", "Hangzhou", "0571"),
    ("浙江省", "杭州市", "余杭区", "Hangzhou", "0571"), ("浙江省", "宁波市", "鄞州区", "Ningbo", "0574"),
    ("江苏省", "南京市", "鼓楼区", "Nanjing", "025"), ("江苏省", "苏州市", "吴中区", "Suzhou", "0512"),
    ("四川省", "成都市", "武侯区", "Chengdu", "028"), ("湖北省", "武汉市", "洪山区", "Wuhan", "027"),
    ("重庆市", "重庆市", "渝北区", "Chongqing", "023"), ("陕西省", "西安市", "雁塔区", "Xi'an", "029"),
    ("山东省", "济南市", "历下区", "Jinan", "0531"), ("福建省", "厦门市", "思明区", "Xiamen", "0592"),
    ("湖南省", "长沙市", "岳麓区", "Changsha", "0731"), ("天津市", "天津市", "南开区", "Tianjin", "022"),
    ("河南省", "郑州市", "金水区", "Zhengzhou", "0371"), ("辽宁省", "沈阳市", "和平区", "Shenyang", "024"),
]
ROADS = ["科技园南路", "人民路", "中山路", "解放路", "建设路", "文一西路", "天府大道", "长江路", "漕溪北路",
         "学院路", "五一路", "和平街", "新华路", "滨江大道", "光谷大道", "金水路", "南京西路", "华强北路"]
COMMUNITIES = ["阳光花园", "锦绣家园", "翠苑小区", "万科城", "碧桂园", "保利花园", "融创公馆", "世纪新城",
               "绿地小区", "金色家园", "滨江花园", "紫薇苑"]


def new_street(r):
    if r.random() < 0.25:
        floor = r.randint(2, 30)
        return "%s%d号%s大厦%d楼%d室" % (r.choice(ROADS), r.randint(1, 999), r.choice(["创业", "国际", "金融", "科技"]),
                                      floor, floor * 100 + r.randint(1, 20))
    return "%s%d号%s%d栋%d单元%d室" % (r.choice(ROADS), r.randint(1, 999), r.choice(COMMUNITIES),
                                  r.randint(1, 30), r.randint(1, 4), r.randint(1, 33) * 100 + r.randint(1, 4))


PRODUCTS = [  # sku, name, price
    ("LM-EB-PRO", "无线蓝牙耳机 Pro", "299.00"), ("LM-CUP-500", "不锈钢保温杯 500ml", "89.00"),
    ("LM-BED-18", "纯棉四件套 1.8m床", "359.00"), ("LM-SUN-50", "儿童防晒霜 SPF50", "79.90"),
    ("LM-AF-45", "空气炸锅 4.5L", "399.00"), ("LM-TB-S1", "声波电动牙刷", "169.00"),
    ("LM-SC-W", "羊毛混纺围巾", "129.00"), ("LM-RUN-42", "轻量跑鞋 42码", "259.00"),
    ("LM-RICE-5", "五常大米 5kg", "69.90"), ("LM-SCALE", "智能体脂秤", "99.00"),
    ("LM-CASE-14", "iPhone 14 硅胶手机壳", "39.90"), ("LM-HUM-3", "静音加湿器 3L", "149.00"),
    ("LM-DOWN-XL", "男士轻薄羽绒服 XL", "499.00"), ("LM-CAT-10", "全价成猫粮 10kg", "238.00"),
    ("LM-BOOK-10", "儿童绘本套装(10册)", "118.00"), ("LM-PAN-28", "不粘炒锅 28cm", "199.00"),
]
PRODUCT_EN = {"LM-EB-PRO": "wireless earbuds", "LM-CUP-500": "thermos cup", "LM-BED-18": "bedding set",
              "LM-SUN-50": "kids sunscreen", "LM-AF-45": "air fryer", "LM-TB-S1": "electric toothbrush",
              "LM-SC-W": "wool scarf", "LM-RUN-42": "running shoes", "LM-RICE-5": "rice (5kg)",
              "LM-SCALE": "smart scale", "LM-CASE-14": "phone case", "LM-HUM-3": "humidifier",
              "LM-DOWN-XL": "down jacket", "LM-CAT-10": "cat food", "LM-BOOK-10": "picture book set",
              "LM-PAN-28": "frying pan"}

CARRIERS = [("SF", "顺丰速运", "顺丰", "SF Express", 12), ("YT", "圆通速递", "圆通", "YTO Express", 13),
            ("JD", "京东物流", "京东", "JD Logistics", 13)]

EMAIL_HANDLES = ["zhangwei", "lina", "wangfang", "chenjie", "liuyang", "xiaoyu", "sunny", "tiantian",
                 "happy", "lemon", "tom", "amy", "jack", "kiki", "momo", "dudu", "xixi", "coco", "leo",
                 "lucky", "yangyang", "xiaomei", "dabao", "feifei", "mingming", "lele", "huahua", "summer"]
EMAIL_DOMAINS = ["qq.com"] * 4 + ["163.com"] * 3 + ["126.com", "sina.com", "gmail.com", "hotmail.com",
                                                    "foxmail.com", "outlook.com"]

HOTLINE = "400-820-1234"
RETURN_ADDR = "浙江省杭州市余杭区仓前街道文一西路1888号 柠檬优选退货仓"
RETURN_TEL = "0571-88886666"

# ---------------------------------------------------------------------------------------------
# Schema (the one portable DDL) with the PII class of every column
# ---------------------------------------------------------------------------------------------
# column: (name, type, nullable, pii class, note)

SCHEMA = [
    ("agent_groups", "agent_group", ["id"], [
        ("id", "INTEGER", False, "none", ""),
        ("group_name", "VARCHAR(50)", False, "none", "售前/售后/物流/VIP"),
        ("leader_id", "INTEGER", True, "none", "agents.id of the team lead"),
        ("description", "VARCHAR(200)", True, "none", ""),
        ("created_at", "TIMESTAMP", True, "none", "local time, no zone"),
    ]),
    ("agents", "agent", ["id"], [
        ("id", "INTEGER", False, "none", ""),
        ("login_name", "VARCHAR(50)", False, "none", "unique"),
        ("real_name", "VARCHAR(50)", True, "name", ""),
        ("nick_name", "VARCHAR(50)", True, "none", "name shown to customers (小美, Lily)"),
        ("email", "VARCHAR(100)", True, "email", ""),
        ("work_tel", "VARCHAR(30)", True, "phone", "landline with extension"),
        ("group_id", "INTEGER", True, "none", ""),
        ("active", "SMALLINT", False, "none", "0/1 boolean"),
        ("hired_on", "DATE", True, "none", ""),
        ("created_at", "TIMESTAMP", True, "none", "local time, no zone"),
    ]),
    ("orgs", "organization", ["id"], [
        ("id", "INTEGER", False, "none", ""),
        ("org_name", "VARCHAR(100)", False, "none", "company name"),
        ("credit_code", "VARCHAR(18)", True, "none", "统一社会信用代码 (company, not personal)"),
        ("contact_name", "VARCHAR(50)", True, "name", ""),
        ("contact_tel", "VARCHAR(30)", True, "phone", "landline, mixed formats"),
        ("address", "VARCHAR(200)", True, "address", "one free-form string"),
        ("created_at", "TIMESTAMP", True, "none", "local time, no zone"),
    ]),
    ("customers", "customer", ["id"], [
        ("id", "INTEGER", False, "none", "ids 10001.. with gaps (deleted rows)"),
        ("name", "VARCHAR(50)", True, "name", "Chinese (incl. compound surnames) and a few English"),
        ("gender", "SMALLINT", True, "none", "0 unknown, 1 male, 2 female"),
        ("shouji", "VARCHAR(20)", True, "phone", "pinyin 手机: mobile, mixed formats (+86, spaces, dashes)"),
        ("email", "VARCHAR(100)", True, "email", ""),
        ("id_card", "VARCHAR(18)", True, "national_id", "GB 11643 18-char, one legacy 15-digit"),
        ("tel", "VARCHAR(30)", True, "phone", "landline"),
        ("wx_openid", "VARCHAR(64)", True, "none", "WeChat openid: a channel identity, not a PII class"),
        ("province", "VARCHAR(20)", True, "address", ""),
        ("city", "VARCHAR(20)", True, "address", ""),
        ("district", "VARCHAR(20)", True, "address", ""),
        ("street", "VARCHAR(200)", True, "address", ""),
        ("org_id", "INTEGER", True, "none", ""),
        ("vip_level", "SMALLINT", True, "none", "0-3"),
        ("created_at", "TIMESTAMP", True, "none", "local time, no zone"),
        ("remark", "TEXT", True, "free_text", "agent notes, some with phone numbers"),
    ]),
    ("orders", "business_ref", ["id"], [
        ("id", "INTEGER", False, "none", ""),
        ("order_no", "VARCHAR(20)", False, "none", "SO + yyyymmdd + 3-digit daily sequence; unique"),
        ("customer_id", "INTEGER", True, "none", ""),
        ("amount", "DECIMAL(10,2)", False, "none", "CNY"),
        ("status", "VARCHAR(20)", False, "none", "unpaid/paid/shipped/completed/refunded/cancelled"),
        ("pay_channel", "VARCHAR(20)", True, "none", "支付宝/微信支付/银联"),
        ("createtime", "TIMESTAMP", True, "none", "run-together legacy name; local time, no zone"),
        ("paid_at", "TIMESTAMP", True, "none", "local time, no zone"),
        ("shipped_at", "VARCHAR(19)", True, "none", "TEXT timestamp; one zero date, a few 'YYYY/MM/DD HH:MM'"),
        ("express_company", "VARCHAR(20)", True, "none", ""),
        ("waybill_no", "VARCHAR(20)", True, "none", "SF/YT/JD waybill number"),
        ("receiver_name", "VARCHAR(50)", True, "name", ""),
        ("lianxi_dianhua", "VARCHAR(20)", True, "phone", "pinyin 联系电话: receiver phone"),
        ("receiver_address", "VARCHAR(200)", True, "address", "one free-form string"),
        ("refund_card", "VARCHAR(30)", True, "bank_card", "bank card for offline refunds, some with spaces"),
        ("remark", "VARCHAR(500)", True, "free_text", ""),
    ]),
    ("tickets", "ticket", ["id"], [
        ("id", "INTEGER", False, "none", "gaps: deleted spam tickets"),
        ("ticket_no", "VARCHAR(20)", False, "none", "T + yyyymmdd + 3-digit sequence; unique"),
        ("subject", "VARCHAR(200)", True, "free_text", "some with order numbers"),
        ("status", "VARCHAR(20)", False, "none", "新建/处理中/待客户回复/已解决/已关闭; open/closed before 2022"),
        ("priority", "SMALLINT", False, "none", "1 urgent .. 4 low"),
        ("channel", "VARCHAR(10)", False, "none", "电话/邮件/微信/APP/web"),
        ("customer_id", "INTEGER", True, "none", "NULL for anonymous contacts"),
        ("assignee_id", "INTEGER", True, "none", ""),
        ("group_id", "INTEGER", True, "none", "NULL in the old system (before 2022)"),
        ("order_no", "VARCHAR(20)", True, "none", "text reference to orders.order_no"),
        ("created_at", "TIMESTAMP", True, "none", "local time, no zone"),
        ("updated_at", "TIMESTAMP", True, "none", "local time, no zone"),
        ("closed_at", "TIMESTAMP", True, "none", "local time, no zone"),
        ("ext_info", "TEXT", True, "free_text", "JSON text: channel extras (app version, WeChat nick, ip)"),
    ]),
    ("ticket_replies", "ticket_message", ["id"], [
        ("id", "INTEGER", False, "none", ""),
        ("ticket_id", "INTEGER", False, "none", ""),
        ("author_type", "VARCHAR(10)", False, "none", "customer/agent: discriminator of author_id"),
        ("author_id", "INTEGER", True, "none", "customers.id or agents.id per author_type"),
        ("body", "TEXT", True, "free_text", "phones, ID numbers, bank cards, order/waybill numbers"),
        ("is_internal", "SMALLINT", False, "none", "0/1: 1 = internal note"),
        ("created_at", "TIMESTAMP", True, "none", "local time, no zone"),
    ]),
    ("ticket_history", "ticket_event", ["id"], [
        ("id", "INTEGER", False, "none", ""),
        ("ticket_id", "INTEGER", False, "none", ""),
        ("field_name", "VARCHAR(30)", False, "none", "status/assignee_id/group_id/priority"),
        ("old_value", "VARCHAR(100)", True, "none", ""),
        ("new_value", "VARCHAR(100)", True, "none", ""),
        ("changed_by", "INTEGER", True, "none", "agents.id; 0 = system/automation"),
        ("changed_at", "TIMESTAMP", True, "none", "local time, no zone"),
    ]),
    ("ratings", "satisfaction_rating", ["rt_id"], [
        ("rt_id", "INTEGER", False, "none", "prefixed column names"),
        ("rt_ticket_id", "INTEGER", False, "none", "unique"),
        ("rt_score", "SMALLINT", False, "none", "CSAT 1-5"),
        ("rt_comment", "VARCHAR(500)", True, "free_text", ""),
        ("rt_time", "TIMESTAMP", True, "none", "local time, no zone"),
    ]),
    ("attachments", "attachment", ["id"], [
        ("id", "INTEGER", False, "none", ""),
        ("object_type", "VARCHAR(10)", False, "none", "ticket/reply: discriminator of object_id"),
        ("object_id", "INTEGER", False, "none", "tickets.id or ticket_replies.id per object_type"),
        ("file_name", "VARCHAR(200)", True, "none", "some Chinese"),
        ("mime", "VARCHAR(100)", True, "none", ""),
        ("size_bytes", "BIGINT", True, "none", ""),
        ("sha256", "VARCHAR(64)", True, "none", "hex content hash"),
        ("storage_path", "VARCHAR(300)", True, "none", "two layouts: old relative, new absolute"),
        ("uploaded_at", "TIMESTAMP", True, "none", "local time, no zone"),
    ]),
    ("tags", "tag", ["id"], [
        ("id", "INTEGER", False, "none", ""),
        ("tag_name", "VARCHAR(30)", False, "none", ""),
        ("color", "VARCHAR(7)", True, "none", "#rrggbb"),
        ("created_at", "TIMESTAMP", True, "none", "local time, no zone"),
    ]),
    ("ticket_tags", "ticket_tag", ["ticket_id", "tag_id"], [
        ("ticket_id", "INTEGER", False, "none", ""),
        ("tag_id", "INTEGER", False, "none", ""),
    ]),
]

INDEXES = [  # (name, table, columns, unique)
    ("ux_agents_login_name", "agents", ["login_name"], True),
    ("ix_customers_shouji", "customers", ["shouji"], False),
    ("ux_orders_order_no", "orders", ["order_no"], True),
    ("ix_orders_customer_id", "orders", ["customer_id"], False),
    ("ux_tickets_ticket_no", "tickets", ["ticket_no"], True),
    ("ix_tickets_customer_id", "tickets", ["customer_id"], False),
    ("ix_tickets_order_no", "tickets", ["order_no"], False),
    ("ix_ticket_replies_ticket_id", "ticket_replies", ["ticket_id"], False),
    ("ix_ticket_history_ticket_id", "ticket_history", ["ticket_id"], False),
    ("ux_ratings_rt_ticket_id", "ratings", ["rt_ticket_id"], True),
    ("ix_attachments_object", "attachments", ["object_type", "object_id"], False),
]

TABLE_ORDER = [t[0] for t in SCHEMA]


# ---------------------------------------------------------------------------------------------
# Agents, groups, organisations
# ---------------------------------------------------------------------------------------------

GROUPS = [(1, "售前", 1, "售前咨询、商品问题、企业采购"), (2, "售后", 4, "退换货、退款、破损、发票"),
          (3, "物流", 9, "催发货、物流查询、改地址"), (4, "VIP", 12, "VIP客户与升级投诉")]
DELETED_AGENT = 7
AGENTS = [  # id, login, real name, nick, group, hired, active
    (1, "chenxiaomei", "陈晓梅", "小美", 1, dt.date(2019, 3, 1), 1),
    (2, "liujie", "刘杰", "阿杰", 1, dt.date(2020, 7, 15), 1),
    (3, "zhaoyun", "赵云", "云朵", 1, dt.date(2022, 2, 10), 1),
    (4, "wangfang", "王芳", "芳芳", 2, dt.date(2018, 11, 20), 1),
    (5, "sunlei", "孙磊", "磊磊", 2, dt.date(2020, 3, 2), 1),
    (6, "huangli", "黄莉", "Lily", 2, dt.date(2021, 5, 10), 1),
    (7, "liuqiang", "刘强", "小刘", 2, dt.date(2019, 6, 3), 1),  # deleted from agents in 2022
    (8, "zhoumin", "周敏", "敏敏", 2, dt.date(2022, 8, 1), 1),
    (9, "xuhao", "徐浩", "浩子", 3, dt.date(2019, 9, 9), 1),
    (10, "maxiaoyu", "马晓宇", "小宇", 3, dt.date(2021, 1, 11), 1),
    (11, "guojing", "郭静", "静静", 3, dt.date(2022, 4, 18), 1),
    (12, "linyi", "林逸", "Eric", 4, dt.date(2018, 6, 1), 1),
    (13, "hexue", "何雪", "雪儿", 4, dt.date(2019, 2, 20), 0),
]
AGENT_LEFT = {13: dt.datetime(2023, 6, 30), 7: dt.datetime(2021, 12, 31)}
AGENT_BY_ID = {a[0]: a for a in AGENTS}


def agent_ok(aid, t):
    a = AGENT_BY_ID[aid]
    return dt.datetime.combine(a[5], dt.time(9)) <= t and t < AGENT_LEFT.get(aid, dt.datetime(2100, 1, 1))


def gen_groups_agents():
    groups = [dict(id=g[0], group_name=g[1], leader_id=g[2], description=g[3],
                   created_at=dt.datetime(2018, 6, 1, 10, 0, 0) + dt.timedelta(days=i * 3, minutes=i * 17))
              for i, g in enumerate(GROUPS)]
    r = rng("agents")
    agents = []
    for a in AGENTS:
        if a[0] == DELETED_AGENT:
            continue
        agents.append(dict(id=a[0], login_name=a[1], real_name=a[2], nick_name=a[3],
                           email="%s@kf.lemonmall.example" % a[1],
                           work_tel="0571-8765%04d-80%02d" % (r.randrange(10000), a[0]),
                           group_id=a[4], active=a[6], hired_on=a[5],
                           created_at=day_safe(dt.datetime.combine(a[5], dt.time(9, 30)) + dt.timedelta(minutes=r.randrange(300)))))
    return groups, agents


ORG_NAMES = ["上海云杉信息科技有限公司", "深圳市前海微光电子有限公司", "杭州禾木文化传媒有限公司",
             "北京知行教育咨询有限公司", "成都蜀味餐饮管理有限公司", "南京青橙健康科技有限公司",
             "武汉长江物业服务有限公司", "苏州恒远精密机械有限公司"]


def fmt_landline(r, area, plain=False):
    n = 8 if len(area) == 3 else r.choice([7, 8])
    num = str(r.randint(2, 8)) + "".join(str(r.randrange(10)) for _ in range(n - 1))
    x = 0.0 if plain else r.random()
    if x < 0.55:
        return "%s-%s" % (area, num)
    if x < 0.70:
        return "(%s)%s" % (area, num)
    if x < 0.85:
        return "%s-%s-%d" % (area, num, r.randint(801, 899))
    return "%s %s %s" % (area, num[:4], num[4:])


def gen_orgs():
    r = rng("orgs")
    places = [PLACES[2], PLACES[5], PLACES[8], PLACES[1], PLACES[13], PLACES[11], PLACES[14], PLACES[12]]
    region_codes = ["310104", "440305", "330106", "110108", "510107", "320106", "420111", "320506"]
    orgs = []
    for i, name in enumerate(ORG_NAMES):
        p = places[i]
        orgs.append(dict(id=i + 1, org_name=name, credit_code=new_credit_code(r, region_codes[i]),
                         contact_name=r.choice(SURNAMES) + r.choice(GIVEN),
                         contact_tel=fmt_landline(r, p[4]),
                         address=p[0] + (p[1] if p[1] != p[0] else "") + p[2] + new_street(r),
                         created_at=day_safe(dt.datetime(2020, 3, 1, 10) + dt.timedelta(days=r.randrange(900), minutes=r.randrange(600)))))
    return orgs


# ---------------------------------------------------------------------------------------------
# Customers, with planted dirt
# ---------------------------------------------------------------------------------------------

DELETED_CUSTOMERS = [10017, 10042, 10058, 10093]
CUST_IDS = [i for i in range(10001, 10125) if i not in DELETED_CUSTOMERS]  # 120 rows
# index into CUST_IDS -> plan
PHONE_DUPS = [(5, 40, "+86 {a} {b} {c}"), (23, 66, "{a}-{b}-{c}"), (51, 88, "+86{m}"), (72, 109, "86 {m}")]
EMAIL_DUPS = [(12, 79), (60, 115)]
SAME_NAME_PAIR = (30, 95)
INVALID_PHONE = {14: "10 digits", 47: "10 digits after +86", 83: "prefix 12x", 101: "unallocated prefix 140"}
NULL_PHONE = [20, 57]
EMPTY_PHONE = [99]
ENGLISH_IDX = {9: (ENGLISH_NAMES[0], 2), 35: (ENGLISH_NAMES[1], 1), 70: (ENGLISH_NAMES[2], 2), 104: (ENGLISH_NAMES[3], 1)}
COMPOUND_IDX = {18: 0, 53: 1, 90: 2}
BAD_ID_CHECK = [27, 77]
LEGACY_ID15 = [8]
CUSTOMER_REMARKS = ["老客户，脾气急，沟通注意语气", "要求只在工作日联系", "多次投诉快递，注意安抚", "企业客户，对公转账",
                    "备用电话 {m2}", "收货人是他母亲，电话 {m2}", "VIP客户，优先处理", "曾要求删除个人信息，已拒绝（未注销账号）",
                    "不接受电话回访，只用微信沟通", "Prefers English. Backup phone {m2}"]


def gen_customers(orgs):
    r = rng("customers")
    n = len(CUST_IDS)
    span = (dt.datetime(2023, 11, 30) - dt.datetime(2020, 6, 1)).total_seconds()
    times = sorted(redraw(lambda: dt.datetime(2020, 6, 1, 9) + dt.timedelta(seconds=int(span * (r.random() ** 0.8))))
                   for _ in range(n))
    dup_of = {d: o for o, d, _ in PHONE_DUPS}
    dup_fmt = {d: f for _, d, f in PHONE_DUPS}
    email_dup_of = {d: o for o, d in EMAIL_DUPS}
    email_origs = [o for o, _ in EMAIL_DUPS]
    org_members = sorted(r.sample([i for i in range(n) if i not in dup_of and i not in email_dup_of], 20))
    rows = []
    for i in range(n):
        cid = CUST_IDS[i]
        p = r.choice(PLACES)
        c = dict(id=cid, name=None, gender=0, shouji=None, email=None, id_card=None, tel=None, wx_openid=None,
                 province=p[0], city=p[1], district=p[2], street=new_street(r), org_id=None, vip_level=0,
                 created_at=times[i], remark=None)
        # name and gender
        if i in ENGLISH_IDX:
            c["name"], c["gender"] = ENGLISH_IDX[i]
        elif i in COMPOUND_IDX:
            c["name"] = COMPOUND[COMPOUND_IDX[i]] + r.choice(GIVEN)
            c["gender"] = r.choice([1, 2])
        else:
            c["name"] = r.choice(SURNAMES) + r.choice(GIVEN)
            c["gender"] = r.choice([1, 2, 1, 2, 0])
        if i == SAME_NAME_PAIR[0] or i == SAME_NAME_PAIR[1]:
            c["name"] = "张伟"
            c["gender"] = 1
        # mobile
        m = new_mobile(r)
        c["_mobile"] = m
        x = r.random()
        if x < 0.72:
            c["shouji"] = m
        elif x < 0.82:
            c["shouji"] = "+86 " + m
        elif x < 0.88:
            c["shouji"] = "+86" + m
        elif x < 0.94:
            c["shouji"] = "%s %s %s" % (m[:3], m[3:7], m[7:])
        else:
            c["shouji"] = "%s-%s-%s" % (m[:3], m[3:7], m[7:])
        if i in INVALID_PHONE:
            c["_mobile"] = None
            kind = INVALID_PHONE[i]
            if kind == "10 digits":
                c["shouji"] = m[:10]
            elif kind == "10 digits after +86":
                c["shouji"] = "+86 %s %s %s" % (m[:3], m[3:7], m[7:10])
            elif kind == "prefix 12x":
                c["shouji"] = "12" + str(r.randint(0, 9)) + "%08d" % r.randrange(10 ** 8)
            else:
                c["shouji"] = "140" + "%08d" % r.randrange(10 ** 8)
        if i in NULL_PHONE:
            c["_mobile"], c["shouji"] = None, None
        if i in EMPTY_PHONE:
            c["_mobile"], c["shouji"] = None, ""
        # email
        if i in ENGLISH_IDX:
            first, last = c["name"].lower().split()
            c["email"] = "%s.%s%d@%s" % (first, last, r.randint(1, 99), r.choice(["gmail.com", "outlook.com"]))
        elif i in email_origs:
            h = r.choice(EMAIL_HANDLES)
            c["email"] = "%s%d@%s" % (h.capitalize(), r.randint(1970, 2005), r.choice(["163.com", "126.com"]))
        elif r.random() < 0.85:
            if r.random() < 0.35:
                c["email"] = "%d@qq.com" % r.randint(10 ** 7, 3 * 10 ** 9)
            else:
                c["email"] = "%s%s@%s" % (r.choice(EMAIL_HANDLES), r.choice(["", "_", "."]) + str(r.randint(1, 9999)),
                                          r.choice(EMAIL_DOMAINS))
        # national id
        if i not in ENGLISH_IDX and r.random() < 0.72:
            c["id_card"] = new_id_card(r, c["gender"] if c["gender"] else None)
            if c["gender"] == 0:
                c["gender"] = 1 if int(c["id_card"][16]) % 2 == 1 else 2
        if i in BAD_ID_CHECK:
            good = new_id_card(r, c["gender"])
            wrong = [ch for ch in "0123456789X" if ch != good[17]]
            c["id_card"] = good[:17] + r.choice(wrong)
        if i in LEGACY_ID15:
            g = new_id_card(r, c["gender"], (1950, 1960))
            c["id_card"] = g[:6] + g[8:14] + g[14:17]
        # other contact data
        if r.random() < 0.55:
            c["wx_openid"] = "o" + "".join(r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") for _ in range(27))
        if r.random() < 0.12:
            c["tel"] = fmt_landline(r, p[4])
        c["vip_level"] = r.choices([0, 1, 2, 3], [60, 20, 12, 8])[0]
        if r.random() < 0.15:
            c["remark"] = r.choice(CUSTOMER_REMARKS).replace("{m2}", new_mobile(r))
        rows.append(c)
    # organisations
    for i in org_members:
        o = orgs[r.randrange(len(orgs))]
        rows[i]["org_id"] = o["id"]
        if rows[i]["tel"] is None and r.random() < 0.5:
            rows[i]["tel"] = o["contact_tel"]
    # duplicates: the same person registered again later
    for d, o in sorted(dup_of.items()):
        src, dup = rows[o], rows[d]
        m = src["_mobile"]
        assert m is not None
        dup["name"], dup["gender"] = src["name"], src["gender"]
        dup["shouji"] = dup_fmt[d].format(m=m, a=m[:3], b=m[3:7], c=m[7:])
        dup["_mobile"] = m
        dup["email"] = None if r.random() < 0.5 else "%d@qq.com" % r.randint(10 ** 7, 3 * 10 ** 9)
        dup["id_card"] = src["id_card"] if r.random() < 0.5 else None
        dup["province"], dup["city"], dup["district"] = src["province"], src["city"], src["district"]
        dup["remark"] = None
    for d, o in sorted(email_dup_of.items()):
        src, dup = rows[o], rows[d]
        dup["name"], dup["gender"] = src["name"], src["gender"]
        dup["email"] = src["email"].lower()
        assert dup["email"] != src["email"]
        dup["id_card"] = None
        dup["remark"] = None
    for i, c in enumerate(rows):
        c["_idx"] = i
    return rows


# ---------------------------------------------------------------------------------------------
# Orders
# ---------------------------------------------------------------------------------------------

ORPHAN_ORDER_CUSTOMERS = [10017, 10042]
ORDER_REMARKS = ["请尽快发货", "送人的，不要放发票和价签", "周末不在家，请工作日送", "放快递柜就行", "Please deliver after 6pm",
                 "发票抬头：{org}，税号：{code}", "到了先打电话 {m2}", "不要发中通"]


def parse_shipped(v):
    if v is None or v.startswith("0000"):
        return None
    for f in ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M"):
        try:
            return dt.datetime.strptime(v, f)
        except ValueError:
            pass
    raise ValueError(v)


def gen_orders(customers, orgs):
    r = rng("orders")
    n = 300
    end = dt.datetime(2023, 12, 30, 22, 0)
    span = (end - START).total_seconds()
    times = [redraw(lambda: START + dt.timedelta(seconds=int(span * (r.random() ** 0.8)))) for _ in range(n - 25)]
    sale = dt.datetime(2023, 12, 10, 9, 0)  # 双12 and the days after: the open tickets of "now"
    times = sorted(times + [redraw(lambda: sale + dt.timedelta(seconds=r.randint(0, int((end - sale).total_seconds())))) for _ in range(25)])
    weights = {c["id"]: r.choice([1, 1, 1, 2, 3, 6]) for c in customers}
    day_seq = {}
    orders = []
    for i, t in enumerate(times):
        day = t.strftime("%Y%m%d")
        seq = day_seq.get(day, r.randint(1, 60)) + r.randint(1, 30)
        day_seq[day] = seq
        pool = [c for c in customers if c["created_at"] <= t]
        cust = r.choices(pool, [weights[c["id"]] for c in pool])[0]
        items = []
        for sku, pname, price in r.sample(PRODUCTS, r.choices([1, 2, 3], [65, 25, 10])[0]):
            items.append(dict(sku=sku, name=pname, qty=r.choices([1, 2, 3], [80, 15, 5])[0], price=Decimal(price)))
        amount = sum((it["price"] * it["qty"] for it in items), Decimal("0.00")).quantize(Decimal("0.01"))
        age = (NOW - t).days
        if age < 2:
            status = r.choices(["unpaid", "paid", "shipped"], [20, 50, 30])[0]
        elif age < 7:
            status = r.choices(["paid", "shipped", "completed", "refunded", "cancelled"], [10, 65, 15, 5, 5])[0]
        elif age < 20:
            status = r.choices(["shipped", "completed", "refunded", "cancelled"], [25, 60, 8, 7])[0]
        else:
            status = r.choices(["completed", "refunded", "cancelled"], [80, 11, 9])[0]
        paid = None
        if status != "unpaid" and not (status == "cancelled" and r.random() < 0.5):
            paid = day_safe(t + dt.timedelta(seconds=r.randint(40, 1800)))
        ship = None
        if status in ("shipped", "completed") or (status == "refunded" and r.random() < 0.6):
            ship = office(paid + dt.timedelta(minutes=r.randint(180, 4300)))
            if ship > NOW - dt.timedelta(hours=1):
                ship, status = None, "paid"
        o = dict(id=i + 1, order_no="SO%s%03d" % (day, seq), customer_id=cust["id"], amount=amount, status=status,
                 pay_channel=None if paid is None else r.choices(["支付宝", "微信支付", "银联"], [45, 45, 10])[0],
                 createtime=t, paid_at=paid, shipped_at=None if ship is None else ts(ship),
                 express_company=None, waybill_no=None, receiver_name=None, lianxi_dianhua=None,
                 receiver_address=None, refund_card=None, remark=None, _items=items, _ship=ship, _cust=cust)
        if ship is not None:
            carrier = r.choices(CARRIERS, [50, 30, 20])[0]
            o["express_company"], o["waybill_no"] = carrier[1], new_waybill(r, carrier[0])
        # receiver
        if cust["_mobile"] is not None and r.random() < 0.85:
            o["receiver_name"], o["lianxi_dianhua"] = cust["name"], cust["_mobile"]
        else:
            o["receiver_name"] = cust["name"][0] + r.choice(GIVEN) if not cust["name"][0].isascii() else cust["name"]
            o["lianxi_dianhua"] = new_mobile(r)
        if r.random() < 0.08:
            m = o["lianxi_dianhua"]
            o["lianxi_dianhua"] = "+86 " + m
        sep = " " if r.random() < 0.3 else ""
        city = cust["city"] if cust["city"] != cust["province"] else ""
        o["receiver_address"] = sep.join(x for x in [cust["province"], city, cust["district"], cust["street"]] if x)
        if r.random() < 0.12:
            org = r.choice(orgs)
            o["remark"] = r.choice(ORDER_REMARKS).replace("{org}", org["org_name"]).replace(
                "{code}", org["credit_code"]).replace("{m2}", new_mobile(r))
        orders.append(o)
    # refunds to bank cards
    refunded = [o for o in orders if o["status"] == "refunded"]
    for o in refunded:
        if o["pay_channel"] == "银联" or r.random() < 0.3:
            card, _ = new_bank_card(r)
            o["refund_card"] = fmt_card_text(r, card)
    carded = [o for o in orders if o["refund_card"]]
    bad = carded[len(carded) // 2]
    digits = bad["refund_card"].replace(" ", "")
    last = str((int(digits[-1]) + 3) % 10)
    bad["refund_card"] = bad["refund_card"][:-1] + last
    assert not luhn_ok(bad["refund_card"].replace(" ", ""))
    # orphan customers: orders of customers deleted later
    old = [o for o in orders if o["createtime"] < dt.datetime(2022, 6, 1) and o["status"] in ("completed", "cancelled")]
    for o, cid in zip([old[10], old[40]], ORPHAN_ORDER_CUSTOMERS):
        o["customer_id"] = cid
        o["_orphan_customer"] = True
    # text timestamps: one MySQL zero date, a few in another format (old ERP sync)
    shipped_2022 = [o for o in orders if o["shipped_at"] and o["createtime"].year == 2022 and o["status"] == "completed"]
    zero = shipped_2022[7]
    zero["shipped_at"] = "0000-00-00 00:00:00"
    shipped_2021 = [o for o in orders if o["shipped_at"] and o["createtime"].year == 2021]
    for o in shipped_2021[3:24:6]:
        o["shipped_at"] = o["_ship"].strftime("%Y/%m/%d %H:%M")
    return orders


# ---------------------------------------------------------------------------------------------
# Ticket scenarios: hand-written templates (zh and en). Fields in {braces} come from a
# per-ticket context (see TicketCtx); internal notes are always Chinese.
# ---------------------------------------------------------------------------------------------

SCENARIOS = {
    "urge": dict(
        group=3, tags=["催单"], order=True, statuses=("paid", "shipped", "completed"),
        subject_zh=["订单{order_no}还没发货", "催发货", "什么时候发货？", "下单三天了还没发货", "催一下发货 {order_no}"],
        subject_en=["Order {order_no} not shipped yet", "When will my order ship?"],
        phone=["客户来电催发货，订单 {order_no}，{paid_date}付款至今未发，着急用。回拨号码 {mobile}"],
        first_zh=["我的订单 {order_no} 还没发货，电话 {mobile}，麻烦尽快处理",
                  "你好，{paid_date}下的单，订单号{order_no}，到现在还没发货，着急用，能不能加急？",
                  "下单好几天了一直显示待发货，订单号：{order_no}。联系电话{mobile}",
                  "客服在吗？{order_no} 这个单什么时候能发？",
                  "买的{product}说48小时发货，现在都超时了，订单{order_no}"],
        first_en=["Hi, I placed order {order_no} on {paid_date_en} and it still hasn't shipped. Could you check? My phone: {mobile}",
                  "My order {order_no} is still \"awaiting shipment\". Please ship it asap."],
        agent_zh=["您好，我是客服{agent_nick}。已帮您查询，订单 {order_no} 目前在仓库打包中，预计24小时内发出，请耐心等待。",
                  "亲，非常抱歉让您久等了！您购买的{product}暂时缺货，仓库预计{ship_date}补货后第一时间发出。",
                  "您好，已经帮您催促仓库加急处理了，今天之内安排发出，发出后会短信通知您。"],
        agent_en=["Hello, this is {agent_nick}. Your order {order_no} is being packed and will ship within 24 hours. Sorry for the wait.",
                  "Hi {name_short}, we're sorry for the delay. The {product_en} is back-ordered until {ship_date_en}; we'll ship it first thing."],
        internal=["已在群里催仓库，仓库反馈今天下午发。", "查ERP：{order_no} 卡在审单，已找运营释放。",
                  "缺货，采购说{ship_date}到货。已备注优先发。", "客户第二次催了，已标记加急。"],
        follow_zh=["好的，谢谢，请尽快", "都说了24小时，现在还没动静？", "能不能发顺丰？我加运费也行", "好吧，那我再等等"],
        follow_en=["OK, thanks.", "It has been 2 days since you said 24 hours..."],
        resolve_zh=["您好，订单 {order_no} 已发出，{carrier}单号 {waybill}，请注意查收~", "已发货，快递单号 {waybill}，有问题随时联系我们。"],
        resolve_en=["Your order has shipped: {carrier_en} tracking number {waybill}."],
        thanks_zh=["收到，谢谢", "好的"], thanks_en=["Thanks!"]),
    "logistics": dict(
        group=3, tags=["物流延迟", "快递"], order=True, statuses=("shipped", "completed"),
        subject_zh=["快递一直不动", "物流三天没更新了", "查一下物流 {waybill}", "显示已签收但没收到货", "快递什么时候到"],
        subject_en=["Where is my package?", "Tracking not updated"],
        phone=["客户来电查询物流，单号 {waybill}，显示停在{city}转运中心两天。客户电话 {mobile}",
               "来电：显示已签收但客户本人没收到，订单 {order_no}，联系电话 {mobile}"],
        first_zh=["快递单号 {waybill} 三天没有更新了，到底到哪了？",
                  "订单{order_no}，物流一直停在{city}转运中心，麻烦帮忙催一下，电话{mobile}",
                  "显示已签收，但是我根本没收到！！！订单号 {order_no}，收件电话 {mobile}",
                  "你好，我的快递{waybill}派送失败了，我一直在家啊，电话也没接到"],
        first_en=["Where is my package? Order {order_no}, tracking {waybill}. It has been a week.",
                  "Tracking {waybill} says delivered but I didn't get anything. Order {order_no}."],
        agent_zh=["您好，已帮您联系{carrier}，快件目前在{city}分拨中心，预计明天派送。",
                  "亲，已为您登记催件，{carrier}会在24小时内回电，请保持电话 {mobile} 畅通。",
                  "您好，查询到快件已放在小区驿站/快递柜，取件码已发短信到收件人手机，麻烦查看一下。"],
        agent_en=["Hi {name_short}, I've contacted {carrier_en}. The parcel is at the {city_en} hub and should be delivered tomorrow.",
                  "Hello, the courier left the parcel at the pickup locker near you. The pickup code was sent by SMS to {mobile}."],
        internal=["已联系物流，{carrier}单号 {waybill}，快递员电话 {courier_mobile}，说放驿站了。",
                  "{carrier}客服工单号 {carrier_case}，48小时内回复。",
                  "查件：{waybill} 派件异常，快递员 {courier_name} {courier_mobile} 称地址不详。",
                  "丢件，已让{carrier}理赔，先给客户补发。"],
        follow_zh=["收到了，谢谢", "还是没动，怎么办？", "驿站找到了，谢谢", "快递员电话打不通啊"],
        follow_en=["Received, thanks!", "Still nothing. What now?"],
        resolve_zh=["好的亲，快件已签收，有问题随时联系我们~", "已为您申请补发，新单号 {waybill2}，给您带来不便非常抱歉。"],
        resolve_en=["Glad it arrived! Let us know if anything else comes up.", "We've sent a replacement, tracking {waybill2}."],
        thanks_zh=["谢谢", "好的收到"], thanks_en=["Thank you!"]),
    "damage": dict(
        group=2, tags=["破损", "退款"], order=True, statuses=("completed", "refunded"), attach="photos",
        subject_zh=["收到商品破损", "东西坏了要求退款", "外包装破了，{product}也压坏了", "破损件处理"],
        subject_en=["Package arrived damaged, please refund", "Damaged item"],
        phone=["客户来电：收到{product}破损，要求退款，订单 {order_no}，电话 {mobile}，已让客户在APP上传照片"],
        first_zh=["收到的{product}外包装破损，里面东西也摔坏了，要求退款！订单 {order_no}",
                  "打开发现{product}坏了，照片已上传，电话 {mobile}，请尽快处理",
                  "你们怎么包装的？{product}直接压扁了，订单号{order_no}，退款！"],
        first_en=["Package arrived damaged, please refund. Order no. {order_no}",
                  "The {product_en} was broken when I opened the box (photos attached). Order {order_no}, phone {mobile}."],
        agent_zh=["非常抱歉给您带来不好的体验！麻烦您提供一下破损部位的照片，我们这边马上为您处理。",
                  "已收到照片，已为您申请全额退款 {amount} 元，原路退回，1-3个工作日到账。",
                  "亲，您可以选择退款或者重新补发一件，请问您倾向哪种？"],
        agent_en=["We're sorry about that. A full refund of CNY {amount} has been issued to your original payment method.",
                  "Sorry for the trouble, {name_short}. Could you send a photo of the damage so we can process the refund?"],
        internal=["破损责任在{carrier}，已发起理赔，理赔单号 {claim_no}。",
                  "退款申请 {refund_no} 已提交财务，金额 {amount}。",
                  "客户要求退到银行卡 {bankcard}（{bank}），户名{name}，已转财务线下打款。",
                  "客户不需要寄回破损件，直接退款。"],
        follow_zh=["退款什么时候到账？", "我要退款，不要补发", "照片已经发了", "好的"],
        follow_en=["When will I get the refund?", "Photos attached."],
        resolve_zh=["退款 {amount} 元已原路退回，请注意查收。", "已为您补发新的{product}，单号 {waybill2}。"],
        resolve_en=["The refund of CNY {amount} has been processed. Sorry again!"],
        thanks_zh=["退款收到了", "收到，谢谢"], thanks_en=["Refund received, thanks."]),
    "return": dict(
        group=2, tags=["退货", "换货"], order=True, statuses=("completed", "refunded"),
        subject_zh=["申请退货", "尺码不合适想换货", "七天无理由退货", "退货地址是哪里"],
        subject_en=["Wrong size, want to exchange", "Return request"],
        phone=["客户来电要求七天无理由退货，订单 {order_no}，已告知退货地址，客户电话 {mobile}"],
        first_zh=["买的{product}不合适，想退货，订单{order_no}", "尺码偏小，能换大一码吗？订单号{order_no}",
                  "七天无理由退货怎么操作？订单 {order_no}，电话 {mobile}"],
        first_en=["Wrong size received for order {order_no}, I'd like to exchange it for a larger one.",
                  "I'd like to return the {product_en} from order {order_no}."],
        agent_zh=["您好，可以的。请将商品寄回：" + RETURN_ADDR + "，电话 " + RETURN_TEL + "，寄回后把快递单号告诉我们。",
                  "亲，已为您审核通过退货申请，请在7天内寄回，运费我们承担。"],
        agent_en=["Sure. Please send the item back to our warehouse (address in the app) and reply with the tracking number."],
        internal=["仓库已签收退货 {return_waybill}，质检通过。", "退货运费补偿 12 元，已提交 {refund_no}。"],
        follow_zh=["已经寄回了，单号 {return_waybill}", "寄回了，顺丰 {return_waybill}，麻烦查收"],
        follow_en=["I shipped it back, tracking {return_waybill}."],
        resolve_zh=["退货已入库，退款 {amount} 元已原路退回。", "换货已发出，新单号 {waybill2}。"],
        resolve_en=["Your return was received and CNY {amount} refunded.", "The exchange has shipped, tracking {waybill2}."],
        thanks_zh=["好的谢谢"], thanks_en=["Great, thanks!"]),
    "wrong": dict(
        group=2, tags=["错发漏发"], order=True, statuses=("completed",), attach="photos",
        subject_zh=["发错货了", "少发了一件", "收到的不是我买的"],
        subject_en=["Wrong item received"],
        phone=["客户来电反映错发，订单 {order_no}，收到的不是{product}，回拨 {mobile}"],
        first_zh=["我买的是{product}，收到的却是别的东西！订单 {order_no}", "少发了一件，订单{order_no}，一共买了2件只收到1件"],
        first_en=["I ordered a {product_en} but received something else. Order {order_no}."],
        agent_zh=["非常抱歉，是仓库发错了，已为您安排补发，不需要寄回。", "亲，麻烦拍一下收到的商品和快递面单，我们核实一下。"],
        agent_en=["So sorry, our warehouse made a mistake. We're sending the right item, no need to return the other one."],
        internal=["仓库核实：拣货错误，补发 {carrier} {waybill2}", "错发件不用追回，价值低。"],
        follow_zh=["好的，尽快发", "照片发你们了"], follow_en=["OK, please hurry."],
        resolve_zh=["补发已签收，给您带来不便非常抱歉！"], resolve_en=["The replacement has been delivered."],
        thanks_zh=["收到了"], thanks_en=["Got it, thanks."]),
    "invoice": dict(
        group=2, tags=["发票"], order=True, statuses=("paid", "shipped", "completed"), attach="invoice",
        subject_zh=["开发票", "需要增值税专用发票", "发票抬头开错了", "电子发票没收到"],
        subject_en=["Invoice request (fapiao)"],
        phone=["客户来电要开发票，订单 {order_no}，抬头 {org_name}，税号 {credit_code}，发到邮箱 {email}"],
        first_zh=["订单{order_no}需要开增值税普通发票，抬头：{org_name}，税号：{credit_code}，邮箱 {email}",
                  "麻烦开一下电子发票，发到 {email}，订单 {order_no}", "发票抬头开错了，应该是{org_name}，麻烦重开"],
        first_en=["Please issue a fapiao for order {order_no} to {org_name}, tax ID {credit_code}. Email: {email}"],
        agent_zh=["您好，电子发票已开具，已发送至邮箱 {email}，请查收。", "亲，专票需要提供开户行和账号，麻烦补充一下。"],
        agent_en=["The e-fapiao has been sent to {email}."],
        internal=["专票需要纸质邮寄，已登记，财务{agent2}处理。", "红冲原发票后重开，财务已处理。"],
        follow_zh=["收到了，谢谢", "开户行：招商银行杭州分行，账号 {bankcard}"], follow_en=["Received, thanks."],
        resolve_zh=["发票已重新开具并发送到 {email}。"], resolve_en=["Done, the corrected fapiao was sent to {email}."],
        thanks_zh=["好的"], thanks_en=["Thanks"]),
    "address": dict(
        group=3, tags=["修改地址"], order=True, statuses=("paid", "shipped", "completed"),
        subject_zh=["修改收货地址", "地址填错了", "能改地址吗"], subject_en=["Change delivery address"],
        phone=["客户来电要求改地址：{new_addr}，收件人{name}，电话 {mobile}，订单 {order_no}"],
        first_zh=["订单 {order_no} 地址填错了，改成：{new_addr}，收件人{name}，电话{mobile}",
                  "能不能改一下收货地址？改为{new_addr}，订单{order_no}"],
        first_en=["Please change the delivery address of order {order_no} to {new_addr}. Phone {mobile}."],
        agent_zh=["已为您修改收货地址为：{new_addr}，请放心。",
                  "抱歉，订单已经发出，无法修改地址，建议您联系{carrier}转寄，单号 {waybill}。"],
        agent_en=["Done, the new address is {new_addr}."],
        internal=["已在ERP改地址，仓库未打单。", "已发出，让客户自己联系快递改派，快递员 {courier_mobile}。"],
        follow_zh=["好的，谢谢"], follow_en=["Thanks!"],
        resolve_zh=["地址已修改成功。"], resolve_en=["Address updated."],
        thanks_zh=["谢谢"], thanks_en=["Thank you"]),
    "cancel": dict(
        group=2, tags=["取消订单"], order=True, statuses=("cancelled", "refunded"),
        subject_zh=["取消订单", "拍错了要取消", "不想要了"], subject_en=["Please cancel my order"],
        phone=["客户来电要求取消订单 {order_no}，拍错了。电话 {mobile}"],
        first_zh=["拍错了，麻烦取消订单 {order_no}", "订单{order_no}不要了，取消，退款"],
        first_en=["Please cancel my order {order_no}, I ordered the wrong item."],
        agent_zh=["已为您取消订单，款项 {amount} 元将原路退回。", "好的亲，已经拦截，订单取消成功。"],
        agent_en=["Your order has been cancelled and CNY {amount} will be refunded."],
        internal=["仓库已拦截，{order_no} 取消。", "已打单，找仓库 {agent2} 拦截成功。"],
        follow_zh=["好的"], follow_en=["Thanks"],
        resolve_zh=["退款已完成。"], resolve_en=["Refund completed."],
        thanks_zh=["收到"], thanks_en=["OK"]),
    "price": dict(
        group=1, tags=["价保", "优惠券"], order=True, statuses=("paid", "shipped", "completed"),
        subject_zh=["申请价保", "降价了能退差价吗", "优惠券没用上"], subject_en=["Price protection request"],
        phone=["客户来电要求价保，{product}降价{diff}元，订单 {order_no}"],
        first_zh=["我{paid_date}买的{product}，今天降价了{diff}元，可以保价吗？订单{order_no}",
                  "优惠券没有生效，订单{order_no}多付了{diff}元"],
        first_en=["The price of the {product_en} dropped by CNY {diff} after I bought it (order {order_no}). Can I get the difference back?"],
        agent_zh=["您好，符合价保规则，已为您退差价 {diff} 元。", "亲，该商品不在价保范围内，非常抱歉，给您补偿一张10元券。"],
        agent_en=["Sure, CNY {diff} has been refunded as price protection."],
        internal=["价保差价 {diff} 元，退款单 {refund_no}。"],
        follow_zh=["好吧", "行，谢谢"], follow_en=["OK"],
        resolve_zh=["差价已退回原支付账户。"], resolve_en=["The difference has been refunded."],
        thanks_zh=["谢谢"], thanks_en=["Thanks"]),
    "account": dict(
        group=1, tags=["账号"], order=False,
        subject_zh=["手机号换了，怎么换绑", "账号登录不了", "收不到验证码", "注销账号"], subject_en=["Can't log in"],
        phone=["客户来电要求换绑手机，原号码 {mobile}，新号码 {new_mobile}，已核实身份证 {idcard}"],
        first_zh=["原来的手机号 {mobile} 不用了，想换绑到 {new_mobile}，怎么操作？", "登录一直提示验证码错误，手机 {mobile}",
                  "我要注销账号，删除我的个人信息，手机 {mobile}"],
        first_en=["I can't log in, the verification code never arrives. Phone {mobile}."],
        agent_zh=["为了您的账户安全，请提供注册时的身份证号码及姓名进行核实。", "您好，验证码已重发，请检查是否被手机拦截。"],
        agent_en=["For your security, please confirm your full name and the ID number you registered with."],
        internal=["客户身份证 {idcard} 已核实，与实名信息一致，已后台换绑 {new_mobile}。", "账号注销需要走流程，已提交法务。"],
        follow_zh=["姓名{name}，身份证号 {idcard}", "好的"], follow_en=["Name {name}, ID {idcard}"],
        resolve_zh=["已为您完成换绑，请使用新手机号登录。", "账号已处理完毕。"], resolve_en=["Done, you can log in now."],
        thanks_zh=["可以了，谢谢"], thanks_en=["Works now, thanks."]),
    "presale": dict(
        group=1, tags=["售前咨询"], order=False,
        subject_zh=["{product}有现货吗", "请问支持货到付款吗", "企业采购能开专票吗", "发{city}几天到"],
        subject_en=["Is this in stock?", "Bulk order question"],
        phone=["来电咨询{product}库存及发货时间，已答复。"],
        first_zh=["你好，{product}还有现货吗？今天下单什么时候能发？", "请问发{city}一般几天到？",
                  "企业采购50件{product}，有优惠吗？联系人{name} {mobile}，座机{tel}"],
        first_en=["Hi, is the {product_en} in stock? How long does delivery to {city_en} take?"],
        agent_zh=["您好，有现货的，16点前下单当天发出~", "发{city}一般2-3天到达。",
                  "企业采购请联系大客户经理{agent2}，电话 " + RETURN_TEL + "，或者留下联系方式我们回电。"],
        agent_en=["Yes, it's in stock. Orders before 4pm ship the same day; {city_en} usually takes 2-3 days."],
        internal=["大客户线索，已转给{agent2}，客户电话 {mobile}。"],
        follow_zh=["好的，那我下单了", "能便宜点吗"], follow_en=["Great, thanks."],
        resolve_zh=["好的亲，有问题随时联系。"], resolve_en=["You're welcome!"],
        thanks_zh=["谢谢"], thanks_en=["Thanks"]),
    "complaint": dict(
        group=4, tags=["投诉"], order=True, statuses=("shipped", "completed", "refunded"), priority=2,
        subject_zh=["投诉快递员", "投诉客服不回复", "要投诉！", "强烈不满"], subject_en=["Complaint"],
        phone=["客户来电投诉，情绪激动：订单 {order_no} 的快递员态度差。要求主管回电 {mobile}"],
        first_zh=["快递员态度极差，还让我自己下楼取件！投诉！订单{order_no}",
                  "你们客服说24小时回复，三天了都没人理！电话{mobile}",
                  "第三次联系你们了，订单{order_no}的问题到底能不能解决？再不处理我就打12315"],
        first_en=["I want to file a complaint. Nobody answered my emails for a week. Order {order_no}."],
        agent_zh=["非常抱歉给您带来不愉快的体验，我们已记录并反馈给相关部门，会给您一个满意的答复。",
                  "您好，我是客服主管{agent_nick}，已为您申请20元无门槛优惠券作为补偿。"],
        agent_en=["We sincerely apologise, {name_short}. A supervisor will call you at {mobile} today."],
        internal=["客户情绪激动，已升级VIP组处理，主管已回电 {mobile}。", "12315投诉风险，优先处理。",
                  "已投诉{carrier}快递员 {courier_name}（{courier_mobile}）。"],
        follow_zh=["好吧，希望以后注意", "这还差不多"], follow_en=["Fine."],
        resolve_zh=["补偿券已发放到您的账户，再次致歉。"], resolve_en=["The compensation coupon is in your account."],
        thanks_zh=["行吧"], thanks_en=["OK"]),
}
# how often a scenario occurs (order-linked and free tickets)
ORDER_SCENARIOS = [("urge", 16), ("logistics", 22), ("damage", 9), ("return", 9), ("wrong", 4), ("invoice", 6),
                   ("address", 6), ("cancel", 6), ("price", 5), ("complaint", 5)]
FREE_SCENARIOS = [("presale", 60), ("account", 30), ("invoice", 5), ("complaint", 5)]

SPAM_BODIES = ["兼职刷单，日结200-500，加微信 {wx} 详聊", "【推广】低价代开各类发票，联系电话 {new_mobile}",
               "您好，我们是专业网店代运营，免费诊断店铺，电话 {new_mobile}"]

EMAIL_WRAP_ZH = "您好：\n\n{body}\n\n{name}\n{date_zh}\n\n发自我的iPhone"
EMAIL_WRAP_EN = "Hi,\n\n{body}\n\nBest regards,\n{name}\nSent from my iPhone"
AGENT_EMAIL_WRAP_ZH = "{name_short}您好：\n\n{body}\n\n柠檬优选客服中心 {agent_nick}\n客服热线：" + HOTLINE
AGENT_EMAIL_WRAP_EN = "Dear {name_short},\n\n{body}\n\nKind regards,\n{agent_nick}\nLemon Mall Customer Service\n" + HOTLINE

RATING_COMMENTS = {
    5: ["客服很耐心，点赞", "处理很快，满意", "{agent_nick}服务态度很好", "Very helpful, thanks!", "", "", "解决得很及时", "好评"],
    4: ["还行，就是回复有点慢", "满意", "Good", "", "总体不错"],
    3: ["一般", "问题解决了但是等太久", "", "OK"],
    2: ["回复太慢了", "退款拖了一周", "机器人回复，没用"],
    1: ["差评！问题根本没解决", "打了三次电话 {mobile} 都没人回", "再也不买了", "Terrible service."],
}

TAGS = [(1, "催单", "#f5a623"), (2, "物流延迟", "#f8e71c"), (3, "快递", "#7ed321"), (4, "破损", "#d0021b"),
        (5, "退款", "#bd10e0"), (6, "退货", "#9013fe"), (7, "换货", "#4a90e2"), (8, "错发漏发", "#50e3c2"),
        (9, "发票", "#b8e986"), (10, "修改地址", "#8b572a"), (12, "取消订单", "#417505"), (13, "价保", "#9b9b9b"),
        (14, "优惠券", "#4a4a4a"), (15, "账号", "#000000"), (16, "售前咨询", "#ff6f61"), (17, "投诉", "#e02020")]
DELETED_TAG = 11  # 「重复工单」, deleted; ticket_tags rows still point at it
TAG_ID = {t[1]: t[0] for t in TAGS}


# ---------------------------------------------------------------------------------------------
# Tickets, replies, history, ratings, attachments, tags
# ---------------------------------------------------------------------------------------------

N_ORDER_TICKETS, N_FREE_TICKETS, N_MISSING_ORDER_TICKETS = 250, 145, 5
SPAM_REPLY_COUNTS = [2, 2, 1]  # replies left behind by 3 deleted spam tickets
MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def between(r, a, b):
    return a + dt.timedelta(seconds=r.randint(0, max(0, int((b - a).total_seconds()))))


def hours(r, lo, hi):
    return dt.timedelta(seconds=int(r.uniform(lo, hi) * 3600))


def scenario_time(r, key, o):
    paid, ship = o["paid_at"], o["_ship"]
    need_ship = key in ("logistics", "damage", "wrong", "return", "complaint")
    if need_ship and ship is None:
        return None
    if key in ("urge", "invoice", "price", "address") and paid is None:
        return None
    if key == "cancel" and ship is not None:
        return None
    if key == "urge":
        if ship is not None:
            gap = ship - paid
            if gap < dt.timedelta(hours=20):
                return None
            return paid + dt.timedelta(seconds=int(gap.total_seconds() * r.uniform(0.5, 0.9)))
        return paid + hours(r, 24, 72)
    if key == "logistics":
        return ship + hours(r, 36, 144)
    if key in ("damage", "wrong"):
        return ship + hours(r, 48, 144)
    if key == "return":
        return ship + hours(r, 72, 216)
    if key == "invoice":
        return paid + hours(r, 24, 720)
    if key == "address":
        return paid + hours(r, 0.1, 6)
    if key == "cancel":
        return (paid or o["createtime"]) + hours(r, 0.1, 1.5)
    if key == "price":
        return paid + hours(r, 48, 288)
    if key == "complaint":
        return ship + hours(r, 48, 240)
    raise KeyError(key)


def pick_weighted(r, pairs):
    return r.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]


class TicketCtx(dict):
    """Template context: values are made on first use and then kept for the whole ticket."""

    def __init__(self, factories):
        super().__init__()
        self.factories = factories

    def __missing__(self, key):
        value = self.factories[key]()
        self[key] = value
        return value


def gen_tickets(customers, orders, orgs):
    r = rng("tickets")
    order_set = {o["order_no"] for o in orders}
    linkable = [o for o in orders if not o.get("_orphan_customer")]
    specs = []
    while len(specs) < N_ORDER_TICKETS:
        o = r.choice(linkable)
        key = pick_weighted(r, [p for p in ORDER_SCENARIOS if o["status"] in SCENARIOS[p[0]]["statuses"]] or [("none", 1)])
        if key == "none":
            continue
        t = redraw(lambda: scenario_time(r, key, o))
        if t is None or t > NOW - dt.timedelta(minutes=30):
            continue
        specs.append(dict(key=key, order=o, order_no=o["order_no"], cust=o["_cust"], created=t))
    span = (NOW - dt.timedelta(hours=2) - START).total_seconds()
    for k in range(N_FREE_TICKETS):
        if k < 15:
            t = redraw(lambda: NOW - dt.timedelta(seconds=r.randint(3600, 8 * 86400)))
        else:
            t = redraw(lambda: START + dt.timedelta(seconds=int(span * (r.random() ** 0.75))))
        key = pick_weighted(r, FREE_SCENARIOS)
        pool = [c for c in customers if c["created_at"] <= t]
        cust = r.choice(pool) if r.random() < 0.8 else None
        order = None
        if key in ("invoice", "complaint"):
            cand = [o for o in linkable if o["_cust"] is cust and o["createtime"] < t] if cust else []
            if not cand:
                key = "presale"
            else:
                order = cand[-1]
        specs.append(dict(key=key, order=order, order_no=order["order_no"] if order else None, cust=cust, created=t))
    missing = []
    while len(missing) < N_MISSING_ORDER_TICKETS:
        o = r.choice(linkable)
        no = o["order_no"]
        k = len(missing)
        if k == 0:
            fake = no[:-3] + "%03d" % ((int(no[-3:]) + 500) % 1000)  # typo in the sequence
        elif k == 1:
            fake = no[:-1]  # one digit missing
        elif k == 2:
            fake = "SO2020" + no[6:]  # from the previous ERP, never migrated
        elif k == 3:
            fake = no[:8] + no[9] + no[8] + no[10:]  # two digits swapped
        else:
            fake = no[:-3] + "999"
        if fake in order_set or fake in [m["order_no"] for m in missing] or fake == no:
            continue
        t = redraw(lambda: o["createtime"] + hours(r, 30, 120))
        if t > NOW - dt.timedelta(hours=1):
            continue
        missing.append(dict(key=r.choice(["urge", "logistics"]), order=None, order_no=fake, cust=o["_cust"],
                            created=t, missing_order=True))
    specs += missing
    for k, n in enumerate(SPAM_REPLY_COUNTS):
        t = day_safe(dt.datetime(2022, 3, 1) + dt.timedelta(days=170 * k + r.randrange(60), minutes=r.randrange(900)))
        specs.append(dict(key="spam", order=None, order_no=None, cust=None, created=t, spam=n))
    cr = rng("channels")
    for s in specs:
        cust = s["cust"]
        english_customer = cust is not None and cust["name"][0].isascii()
        if s["key"] == "spam":
            channel = "web"
        elif english_customer:
            channel = cr.choice(["邮件", "web"])
        elif s["created"] < OLD_SYSTEM_UNTIL:
            channel = cr.choices(["电话", "邮件", "web"], [45, 45, 10])[0]
        else:
            channel = cr.choices(["微信", "APP", "电话", "web", "邮件"], [30, 25, 20, 15, 10])[0]
        if cust is None and channel in ("邮件", "APP"):
            channel = cr.choice(["电话", "web", "微信"])
        if channel == "电话" and office(s["created"]) > NOW - dt.timedelta(minutes=20):
            channel = "web"
        s["channel"] = channel
        s["lang"] = "en" if english_customer or (channel != "电话" and cr.random() < 0.04) else "zh"
        if channel == "电话":  # calls are taken in office hours
            s["created"] = office(s["created"])
    specs.sort(key=lambda s: (s["created"], s["order_no"] or "", s["key"]))

    tickets, replies, history, ratings, attachments, ticket_tags = [], [], [], [], [], []
    day_seq = {}
    agent_rng = rng("ticket-agents")
    att_rng = rng("attachments")
    for n, s in enumerate(specs):
        tid = n + 1
        s["id"] = tid
        t0 = s["created"]
        day = t0.strftime("%Y%m%d")
        day_seq[day] = day_seq.get(day, r.randint(0, 20)) + r.randint(1, 9)
        cust = s["cust"]
        old = t0 < OLD_SYSTEM_UNTIL
        if s["key"] == "spam":
            body_ctx = TicketCtx(dict(wx=lambda: "wxid_" + "".join(r.choice("abcdefghijkmnpqrstuvwxyz0123456789") for _ in range(10)),
                                      new_mobile=lambda: new_mobile(r)))
            t = t0
            for j in range(s["spam"]):
                if j == 1 and tid % 2 == 0:
                    replies.append(dict(ticket_id=tid, author_type="agent", author_id=1, body="垃圾工单，已删除并拉黑来源IP",
                                        is_internal=1, created_at=t))
                else:
                    replies.append(dict(ticket_id=tid, author_type="customer", author_id=None,
                                        body=r.choice(SPAM_BODIES).format_map(body_ctx), is_internal=0, created_at=t))
                t = office(t + hours(r, 0.05, 3))
            s["deleted"] = True
            continue
        S = SCENARIOS[s["key"]]
        channel, lang = s["channel"], s["lang"]
        # status by age
        age = NOW - t0
        if old:
            status = "closed"
            if t0 > dt.datetime(2021, 10, 1) and len([x for x in tickets if x["status"] == "open"]) < 3 and r.random() < 0.3:
                status = "open"
        elif age > dt.timedelta(days=10):
            status = r.choices(["已关闭", "已解决", "处理中"], [80, 17, 3])[0]
        elif age > dt.timedelta(days=3):
            status = r.choices(["已解决", "已关闭", "待客户回复", "处理中"], [40, 20, 25, 15])[0]
        else:
            status = r.choices(["新建", "处理中", "待客户回复"], [35, 35, 30])[0]
        if channel == "电话" and status == "新建":
            status = "处理中"
        # group, priority, assignee
        vip = cust is not None and cust["vip_level"] == 3
        group = None if old else (4 if vip else S["group"])
        prio = S.get("priority", 3)
        if vip:
            prio = 2
        if s["key"] == "presale" and r.random() < 0.4:
            prio = 4
        if r.random() < 0.03:
            prio = 1
        home = group if group is not None else S["group"]
        cands = [a[0] for a in AGENTS if a[4] == home and agent_ok(a[0], t0)] or \
                [a[0] for a in AGENTS if agent_ok(a[0], t0)]
        assignee = None if status == "新建" else agent_rng.choice(cands)
        # template context
        o = s["order"]
        carrier = None
        if o is not None and o["express_company"]:
            carrier = [c for c in CARRIERS if c[1] == o["express_company"]][0]
        if carrier is None:
            carrier = CARRIERS[0]
        base_mobile = cust["_mobile"] if cust is not None and cust["_mobile"] else None
        anon_name = r.choice(SURNAMES) + r.choice(GIVEN)
        cname = cust["name"] if cust is not None else anon_name
        gender = cust["gender"] if cust is not None else 0
        place = [p for p in PLACES if cust is not None and p[1] == cust["city"]] or [r.choice(PLACES)]
        org = [x for x in orgs if cust is not None and x["id"] == cust["org_id"]] or [r.choice(orgs)]
        items = o["_items"] if o is not None else [dict(sku=p[0], name=p[1]) for p in [r.choice(PRODUCTS)]]
        anchor = o["paid_at"] or o["createtime"] if o is not None else t0

        def name_short():
            if cname[0].isascii():
                return cname.split()[0]
            if lang == "en":
                return cname
            sur = cname[:2] if cname[:2] in COMPOUND else cname[0]
            return sur + {1: "先生", 2: "女士"}.get(gender, "先生/女士")

        def new_addr():
            p = r.choice(PLACES)
            return p[0] + (p[1] if p[1] != p[0] else "") + p[2] + new_street(r)

        def card():
            c, bank = new_bank_card(r)
            ctx["bank"] = bank
            return fmt_card_text(r, c)

        def bank():
            ctx["bankcard"]
            return ctx["bank"]

        ship_day = t0 + dt.timedelta(days=r.randint(2, 4))
        ctx = TicketCtx(dict(
            order_no=lambda: s["order_no"],
            waybill=lambda: (o["waybill_no"] if o is not None and o["waybill_no"] else new_waybill(r, carrier[0])),
            carrier=lambda: carrier[2], carrier_en=lambda: carrier[3],
            mobile=lambda: fmt_mobile_text(r, base_mobile or new_mobile(r)),
            new_mobile=lambda: new_mobile(r), courier_mobile=lambda: new_mobile(r),
            courier_name=lambda: r.choice(SURNAMES) + "师傅",
            paid_date=lambda: "%d月%d日" % (anchor.month, anchor.day),
            paid_date_en=lambda: "%s %d" % (MONTHS_EN[anchor.month - 1], anchor.day),
            ship_date=lambda: "%d月%d日" % (ship_day.month, ship_day.day),
            ship_date_en=lambda: "%s %d" % (MONTHS_EN[ship_day.month - 1], ship_day.day),
            product=lambda: items[0]["name"], product_en=lambda: PRODUCT_EN[items[0]["sku"]],
            amount=lambda: format(o["amount"], "f") if o is not None else "%d.00" % r.randint(30, 400),
            diff=lambda: str(r.randint(5, 60)),
            name=lambda: cname, name_short=name_short,
            agent_nick=lambda: AGENT_BY_ID[assignee or cands[0]][3],
            agent2=lambda: AGENT_BY_ID[r.choice([a[0] for a in AGENTS if a[0] != assignee])][2],
            city=lambda: place[0][1].rstrip("市"), city_en=lambda: place[0][3],
            idcard=lambda: cust["id_card"] if cust is not None and id_valid(cust["id_card"]) else new_id_card(r, gender or None),
            bankcard=card, bank=bank,
            email=lambda: cust["email"] if cust is not None and cust["email"] else "%d@qq.com" % r.randint(10 ** 7, 3 * 10 ** 9),
            org_name=lambda: org[0]["org_name"], credit_code=lambda: org[0]["credit_code"],
            tel=lambda: cust["tel"] if cust is not None and cust["tel"] else fmt_landline(r, place[0][4], plain=True),
            new_addr=new_addr,
            waybill2=lambda: new_waybill(r, carrier[0]),
            return_waybill=lambda: new_waybill(r, r.choice(["SF", "YT"])),
            claim_no=lambda: "LP%010d" % r.randrange(10 ** 10),
            refund_no=lambda: "RF%s%04d" % (t0.strftime("%Y%m%d"), r.randint(1, 9999)),
            carrier_case=lambda: "GD%09d" % r.randrange(10 ** 9),
            date_zh=lambda: "%d年%d月%d日" % (t0.year, t0.month, t0.day),
        ))

        def render(key, internal=False):
            if internal:
                pool = S["internal"]
            elif key == "phone":
                pool = S["phone"]
            else:
                pool = S[key + "_" + lang]
            return r.choice(pool).format_map(ctx)

        # the conversation
        steps = []
        if channel == "电话":
            steps.append(("agent", 1, "phone"))
            if status not in ("新建",) and r.random() < 0.35:
                steps.append(("agent", 0, "agent"))
        else:
            steps.append(("customer", 0, "first"))
            if status != "新建":
                steps.append(("agent", 0, "agent"))
        if status != "新建":
            if r.random() < 0.25:
                steps.append(("agent", 1, "internal"))
            if status in ("处理中", "open") and r.random() < 0.5:
                steps.append(("customer", 0, "follow"))
            elif status in ("已解决", "已关闭", "closed"):
                x = r.random()
                if x < 0.32:
                    steps += [("customer", 0, "follow"), ("agent", 0, "resolve")]
                elif x < 0.60 and channel != "电话":
                    steps.append(("agent", 0, "resolve"))
                if channel != "电话" and r.random() < 0.18:
                    steps.append(("customer", 0, "thanks"))
        if channel == "电话":  # the agent writes the note after the call
            t = t0 + dt.timedelta(seconds=r.randint(120, 600))
        else:
            t = day_safe(t0 + dt.timedelta(seconds=r.randint(5, 90)))
        tr = []
        hist = []
        first_agent_t = None
        last_agent_t = None
        for j, (who, internal, key) in enumerate(steps):
            if j > 0:
                prev = t
                if who == "agent" and internal:
                    t = redraw(lambda: prev + hours(r, 0.03, 2), in_office, office, 4)
                elif who == "agent":
                    t = redraw(lambda: prev + hours(r, 0.05, 1.5 if r.random() < 0.7 else 8), in_office, office, 4)
                else:
                    t = redraw(lambda: prev + hours(r, 0.2, 30))
            body = render(key, internal=bool(internal) and key != "phone")
            if channel == "邮件" and who == "customer" and key == "first":
                body = (EMAIL_WRAP_EN if lang == "en" else EMAIL_WRAP_ZH).format(body=body, name=cname, date_zh=ctx["date_zh"])
            elif channel == "邮件" and who == "agent" and not internal:
                body = (AGENT_EMAIL_WRAP_EN if lang == "en" else AGENT_EMAIL_WRAP_ZH).format(
                    body=body, name_short=ctx["name_short"], agent_nick=ctx["agent_nick"])
            if who == "agent":
                author = assignee
                if internal and key == "internal" and r.random() < 0.25:
                    author = GROUPS[(group or S["group"]) - 1][2]
                if first_agent_t is None:
                    first_agent_t = t
                if not internal:
                    last_agent_t = t
            else:
                author = cust["id"] if cust is not None else None
            tr.append(dict(ticket_id=tid, author_type=who, author_id=author, body=body, is_internal=internal,
                           created_at=t, _key=key, _lang=lang))
        last_t = t
        closed_at = None
        if old:
            if status == "closed":
                closed_at = office(last_t + hours(r, 0.5, 30))
                hist.append(("status", "open", "closed", assignee, closed_at))
        elif status != "新建":
            if channel == "电话":
                hist.append(("status", "新建", "处理中", assignee, t0 + dt.timedelta(seconds=60)))
            else:
                if r.random() < 0.12:
                    hist.append(("assignee_id", None, str(assignee), 0,
                                 max(t0 + dt.timedelta(seconds=1), first_agent_t - dt.timedelta(seconds=r.randint(30, 600)))))
                hist.append(("status", "新建", "处理中", assignee, first_agent_t))
            if s["key"] == "complaint":
                hist.append(("priority", "3", "2", assignee, first_agent_t + dt.timedelta(seconds=5)))
            elif group in (2, 3) and r.random() < 0.08:
                hist.append(("group_id", "1", str(group), assignee, first_agent_t + dt.timedelta(seconds=5)))
            if status == "待客户回复":
                hist.append(("status", "处理中", "待客户回复", assignee, (last_agent_t or last_t) + dt.timedelta(seconds=2)))
            if status in ("已解决", "已关闭"):
                res_t = office((last_agent_t or last_t) + dt.timedelta(seconds=r.randint(10, 300)))
                if status == "已关闭" and r.random() < 0.45:
                    closed_at = res_t
                    hist.append(("status", "处理中", "已关闭", assignee, res_t))
                else:
                    hist.append(("status", "处理中", "已解决", assignee, res_t))
                    if status == "已关闭":
                        closed_at = day_safe(max(res_t, last_t) + dt.timedelta(days=3, seconds=r.randint(0, 7200)))
                        if closed_at > NOW:
                            status, closed_at = "已解决", None
                        else:
                            hist.append(("status", "已解决", "已关闭", 0, closed_at))
                s["resolved_at"] = res_t
        updated = max([x["created_at"] for x in tr] + [h[4] for h in hist] + [t0])
        ext = None
        if not old:
            if channel == "APP":
                ext = dict(app_ver=r.choice(["5.1.0", "5.2.1", "5.3.0", "6.0.2"]),
                           os=r.choice(["iOS 16.5", "iOS 17.1", "Android 13", "HarmonyOS 3.0"]))
            elif channel == "微信":
                ext = dict(wx_nick=r.choice(["小鱼儿", "快乐每一天", "A.木木", "向日葵", "Jenny", "老王"]),
                           openid=(cust["wx_openid"] if cust is not None and cust["wx_openid"] else
                                   "o" + "".join(r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") for _ in range(27))))
            elif channel == "web":
                ext = dict(ip="%d.%d.%d.%d" % (r.choice([183, 116, 220, 58, 112]), r.randrange(256), r.randrange(256), r.randint(1, 254)),
                           ua=r.choice(["Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/119.0",
                                        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Safari/605.1.15"]))
            elif channel == "电话":
                ext = dict(call_id="CALL%s%04d" % (t0.strftime("%Y%m%d"), r.randint(1, 9999)), ivr=r.choice(["1", "2-1", "2-2", "3"]))
        subj = r.choice(S["subject_" + lang]).format_map(ctx)
        if channel == "电话":
            subj = "来电：" + subj
        tk = dict(id=tid, ticket_no="T%s%03d" % (day, day_seq[day]), subject=subj, status=status, priority=prio,
                  channel=channel, customer_id=cust["id"] if cust is not None else None, assignee_id=assignee,
                  group_id=group, order_no=s["order_no"], created_at=t0, updated_at=updated, closed_at=closed_at,
                  ext_info=None if ext is None else json.dumps(ext, ensure_ascii=False),
                  _key=s["key"], _lang=lang, _missing_order=s.get("missing_order", False), _ctx=ctx,
                  _resolved_at=s.get("resolved_at"))
        tickets.append(tk)
        for h in hist:
            history.append(dict(ticket_id=tid, field_name=h[0], old_value=h[1], new_value=h[2], changed_by=h[3], changed_at=h[4]))
        replies.extend(tr)
        # attachments
        kind = S.get("attach")
        first = tr[0]
        photos = kind == "photos" or (s["key"] == "return" and att_rng.random() < 0.5)
        if photos and (first["author_type"] == "customer" or att_rng.random() < 0.6):
            for k2 in range(att_rng.choice([1, 1, 2, 3])):
                at = first["created_at"]
                fname = att_rng.choice(["IMG_%s.jpg" % (at + dt.timedelta(seconds=-600 - 37 * k2)).strftime("%Y%m%d_%H%M%S"),
                                        "微信图片_%s.jpg" % (at + dt.timedelta(seconds=-300 - 11 * k2)).strftime("%Y%m%d%H%M%S"),
                                        "破损照片%d.jpg" % (k2 + 1), "mmexport%d.jpg" % (1600000000000 + att_rng.randrange(10 ** 11)),
                                        "photo.JPG", "Screenshot_%s.png" % at.strftime("%Y-%m-%d-%H-%M-%S")])
                attachments.append(dict(_reply=first, _ticket=tk, web=(channel in ("web", "电话")), file_name=fname, uploaded_at=at))
        elif kind == "invoice":
            pub = [x for x in tr if x["author_type"] == "agent" and not x["is_internal"]]
            if pub:
                attachments.append(dict(_reply=pub[0], _ticket=tk, web=False,
                                        file_name="电子发票_%s.pdf" % (s["order_no"] or tk["ticket_no"]), uploaded_at=pub[0]["created_at"]))
        elif s["key"] in ("logistics", "account", "complaint", "address") and first["author_type"] == "customer" and att_rng.random() < 0.3:
            attachments.append(dict(_reply=first, _ticket=tk, web=(channel == "web"),
                                    file_name=att_rng.choice(["截图.png", "物流截图.jpg", "screenshot.png", "验证码截图.png"]),
                                    uploaded_at=first["created_at"]))
        # tags
        if not old or r.random() < 0.6:
            names = [S["tags"][0]] + ([S["tags"][1]] if len(S["tags"]) > 1 and r.random() < 0.5 else [])
            for nm in names:
                ticket_tags.append(dict(ticket_id=tid, tag_id=TAG_ID[nm]))
    return specs, tickets, replies, history, ratings, attachments, ticket_tags


def finish_helpdesk(tickets, replies, history, attachments, ticket_tags):
    """Ids, planted dirt that spans tables, ratings."""
    r = rng("finish")
    # replies: ids in time order, with two gaps (deleted replies whose attachments remain)
    replies.sort(key=lambda x: (x["created_at"], x["ticket_id"]))
    gap_after = [int(len(replies) * 0.41), int(len(replies) * 0.77)]
    rid = 0
    deleted_replies = []
    for i, x in enumerate(replies):
        rid += 1
        x["id"] = rid
        if i in gap_after:
            rid += 1
            deleted_replies.append((rid, x))
    history.sort(key=lambda h: (h["changed_at"], h["ticket_id"]))
    for i, h in enumerate(history):
        h["id"] = i + 1
    # attachments
    for a in attachments:
        if a["web"] and a["_reply"] is [x for x in replies if x["ticket_id"] == a["_ticket"]["id"]][0]:
            a["object_type"], a["object_id"] = "ticket", a["_ticket"]["id"]
        else:
            a["object_type"], a["object_id"] = "reply", a["_reply"]["id"]
        a["uploaded_at"] = a["_reply"]["created_at"]
    for did, prev in deleted_replies:
        attachments.append(dict(object_type="reply", object_id=did, file_name="IMG_%s.jpg" % prev["created_at"].strftime("%Y%m%d_%H%M%S"),
                                uploaded_at=prev["created_at"] + dt.timedelta(seconds=r.randint(5, 120)), _deleted_reply=True))
    attachments.sort(key=lambda a: (a["uploaded_at"], a["object_type"], a["object_id"]))
    for i, a in enumerate(attachments):
        a["id"] = i + 1
        fn = a["file_name"]
        ext = fn.rsplit(".", 1)[1].lower()
        a["mime"] = {"jpg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}[ext]
        a["size_bytes"] = {"jpg": r.randint(150000, 4500000), "png": r.randint(40000, 1200000), "pdf": r.randint(30000, 120000)}[ext]
        a["sha256"] = hashlib.sha256(("%d|%s|%s|%d" % (a["id"], fn, ts(a["uploaded_at"]), a["size_bytes"])).encode("utf-8")).hexdigest()
        up = a["uploaded_at"]
        if up < OLD_SYSTEM_UNTIL:
            a["storage_path"] = "attach/%s/%d_%s" % (up.strftime("%Y%m"), a["id"], fn)
        else:
            a["storage_path"] = "/data/hd/attach/%s/%s/%s.%s" % (up.strftime("%Y/%m/%d"), a["sha256"][:2], a["sha256"], ext)
    # tags: the deleted tag 「重复工单」 is still referenced
    dup_tagged = [t for t in tickets if t["created_at"].year == 2022 and t["status"] == "已关闭"][5:45:15]
    for t in dup_tagged:
        ticket_tags.append(dict(ticket_id=t["id"], tag_id=DELETED_TAG))
    seen = {}
    tt = []
    for x in sorted(ticket_tags, key=lambda x: (x["ticket_id"], x["tag_id"])):
        k = (x["ticket_id"], x["tag_id"])
        if k not in seen:
            seen[k] = 1
            tt.append(x)
    ticket_tags[:] = tt
    # two closed tickets lost their closed_at (a legacy bug)
    closed_2022 = [t for t in tickets if t["status"] == "已关闭" and t["created_at"].year == 2022 and t["closed_at"]]
    no_closed_at = [closed_2022[11], closed_2022[63]]
    for t in no_closed_at:
        t["closed_at"] = None
        t["_closed_at_lost"] = True
    # ratings: CSAT after resolution
    rr = rng("ratings")
    cands = [t for t in tickets if t["status"] in ("已解决", "已关闭", "closed") and t["customer_id"] is not None]
    chosen = sorted(rr.sample(cands, 250), key=lambda t: t["id"])
    ratings = []
    for t in chosen:
        base = t["closed_at"] or t["_resolved_at"] or t["updated_at"]
        at = day_safe(base + dt.timedelta(seconds=rr.randint(600, 172800)))
        if at > NOW:
            at = NOW - dt.timedelta(minutes=rr.randint(1, 50))
        if t["_key"] == "complaint":
            score = rr.choices([1, 2, 3, 4, 5], [25, 25, 20, 15, 15])[0]
        else:
            score = rr.choices([1, 2, 3, 4, 5], [4, 5, 9, 20, 62])[0]
        comment = rr.choice(RATING_COMMENTS[score]).format_map(t["_ctx"])
        ratings.append(dict(rt_ticket_id=t["id"], rt_score=score, rt_comment=comment if comment or rr.random() < 0.5 else None,
                            rt_time=at))
    ratings.sort(key=lambda x: (x["rt_time"], x["rt_ticket_id"]))
    for i, x in enumerate(ratings):
        x["rt_id"] = i + 1
    return ratings, [d for d, _ in deleted_replies]


# ---------------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------------

def sql_value(v, typ):
    if v is None:
        return "NULL"
    if typ in ("INTEGER", "SMALLINT", "BIGINT"):
        assert isinstance(v, int) and not isinstance(v, bool), (v, typ)
        return str(v)
    if typ.startswith("DECIMAL"):
        assert isinstance(v, Decimal) and v.as_tuple().exponent == -2, v
        return format(v, "f")
    if typ == "TIMESTAMP":
        assert isinstance(v, dt.datetime) and dt.datetime(1971, 1, 1) < v < dt.datetime(2037, 1, 1), v
        assert not (1 <= v.hour < 7), ("DST-unsafe hour", v)
        return "'" + ts(v) + "'"
    if typ == "DATE":
        return "'" + v.isoformat() + "'"
    assert isinstance(v, str), (v, typ)
    assert "\\" not in v and "\x00" not in v and "\r" not in v, repr(v)
    assert all(ord(ch) < 0x10000 for ch in v), ("4-byte UTF-8 breaks MariaDB utf8mb3 clients", v)
    if typ.startswith("VARCHAR"):
        assert len(v) <= int(typ[8:-1]), (v, typ)
    return "'" + v.replace("'", "''") + "'"


def render_sql(data):
    out = []
    w = out.append
    w("-- helpdesk.sql: the legacy helpdesk of 柠檬优选 (Lemon Mall), csbridge's embedded sample.\n")
    w("-- Generated by scripts/gen_sample.py (seed %d). Do not edit: change the generator and re-run it.\n" % SEED)
    w("-- One portable script: loads unchanged into SQLite 3.40+, PostgreSQL 15 and MariaDB 10.11.\n")
    w("-- Load into an EMPTY database/schema; it creates tables, inserts rows, then creates indexes.\n")
    w("--   sqlite3 helpdesk.db < helpdesk.sql\n")
    w("--   psql -v ON_ERROR_STOP=1 -f helpdesk.sql            (add -1 for one transaction)\n")
    w("--   mariadb --default-character-set=utf8mb4 DB < helpdesk.sql   (the client must send UTF-8)\n")
    w("-- Like many home-grown helpdesks it declares NO foreign keys; relationships, PII and planted\n")
    w("-- dirt are listed in samples/helpdesk/EXPECTED.md and expected.json.\n")
    w("-- Timestamps are local times of Asia/Shanghai, stored without zone.\n\n")
    for table, _, pk, cols in SCHEMA:
        w("CREATE TABLE %s (\n" % table)
        for name, typ, nullable, _, _ in cols:
            w("  %s %s %s,\n" % (name, typ, "NULL" if nullable else "NOT NULL"))
        w("  PRIMARY KEY (%s)\n);\n\n" % ", ".join(pk))
    for table, _, _, cols in SCHEMA:
        rows = data[table]
        names = [c[0] for c in cols]
        types = [c[1] for c in cols]
        for start in range(0, len(rows), 200):
            chunk = rows[start:start + 200]
            w("INSERT INTO %s (%s) VALUES\n" % (table, ", ".join(names)))
            lines = ["(" + ", ".join(sql_value(row[n], t) for n, t in zip(names, types)) + ")" for row in chunk]
            w(",\n".join(lines) + ";\n\n")
    for name, table, cols, unique in INDEXES:
        w("CREATE %sINDEX %s ON %s (%s);\n" % ("UNIQUE " if unique else "", name, table, ", ".join(cols)))
    text = "".join(out)
    assert "\\" not in text and "\x00" not in text and "\r" not in text
    return text.encode("utf-8")


def csv_field(v):
    if any(ch in v for ch in ",\"\n\r"):
        return '"' + v.replace('"', '""') + '"'
    return v


def excel_time(t):
    return "%d/%d/%d %d:%02d" % (t.year, t.month, t.day, t.hour, t.minute)


LEVEL_ZH = {0: "普通会员", 1: "银卡会员", 2: "金卡会员", 3: "钻石会员"}


def render_gbk_csv(customers):
    r = rng("export-csv")
    picked = sorted(r.sample(customers[:-1], 58) + [customers[-1]], key=lambda c: c["id"])
    dup_ids = [CUST_IDS[d] for _, d, _ in PHONE_DUPS] + [CUST_IDS[d] for _, d in EMAIL_DUPS]
    for c in customers:
        if c["id"] in dup_ids and c not in picked:
            picked.append(c)
    picked.sort(key=lambda c: c["id"])
    header = ["客户编号", "姓名", "手机号", "邮箱", "地址", "注册时间", "会员等级", "备注"]
    records = [header]
    for c in picked:
        city = c["city"] if c["city"] != c["province"] else ""
        records.append([str(c["id"]), c["name"], c["shouji"] or "", c["email"] or "",
                        c["province"] + city + c["district"] + c["street"], excel_time(c["created_at"]),
                        LEVEL_ZH[c["vip_level"]], c["remark"] or ""])
    # two CRM-only customers the helpdesk never saw
    for k, cid in enumerate([10125, 10126]):
        p = PLACES[3 + k * 7]
        m = new_mobile(r)
        records.append([str(cid), r.choice(SURNAMES) + r.choice(GIVEN), m, "", p[0] + (p[1] if p[1] != p[0] else "") + p[2] + new_street(r),
                        excel_time(dt.datetime(2023, 12, 28 + k, 15, 12 + k * 9)), LEVEL_ZH[0], ""])
    # planted: a quoted remark with an embedded line break, one with doubled quotes
    nl_rec = records[17]
    nl_rec[7] = "客户说：\n周末不在家，工作日再送"
    q_rec = records[29]
    q_rec[7] = '要求备注"加急"，已同意'
    lines = []
    ragged = None
    for i, rec in enumerate(records):
        if i == 41:
            # planted: an unquoted comma in the address makes this row one field too long
            rec = list(rec)
            rec[4] = rec[4].replace("号", "号,", 1)
            assert "," in rec[4]
            lines.append(",".join(rec[:4]) + "," + rec[4] + "," + ",".join(csv_field(v) for v in rec[5:]))
            ragged = rec
        else:
            lines.append(",".join(csv_field(v) for v in rec))
    text = "\r\n".join(lines) + "\r\n"
    data = text.encode("gbk")  # strict: every character must exist in GBK
    # facts
    phys = 1
    info = {"records_including_header": len(records), "data_records": len(records) - 1,
            "well_formed_data_records": len(records) - 2}
    for i, line in enumerate(lines):
        if i == 41:
            info["ragged_row"] = {"data_record": i, "physical_line": phys, "fields": 9, "expected_fields": 8,
                                  "customer_id": int(ragged[0]), "cause": "unquoted comma inside 地址"}
        if i == 17:
            info["embedded_newline"] = {"data_record": i, "physical_line": phys, "column": "备注",
                                        "customer_id": int(records[i][0]), "note": "quoted field holding a bare LF inside a CRLF file"}
        if i == 29:
            info["doubled_quotes"] = {"data_record": i, "physical_line": phys, "column": "备注", "customer_id": int(records[i][0])}
        phys += line.count("\n") + 1
    info["physical_lines"] = phys - 1
    info["customer_ids"] = [int(x[0]) for x in records[1:]]
    return data, info


def iso(t):
    return None if t is None else t.strftime("%Y-%m-%dT%H:%M:%S+08:00")


def order_json(o, customers_by_id):
    c = customers_by_id.get(o["customer_id"])
    return {
        "order_no": o["order_no"], "status": o["status"], "amount": format(o["amount"], "f"), "currency": "CNY",
        "pay_channel": o["pay_channel"], "created_at": iso(o["createtime"]), "paid_at": iso(o["paid_at"]),
        "customer": {"id": o["customer_id"], "name": c["name"] if c else None, "phone": c["shouji"] if c else None},
        "items": [{"sku": it["sku"], "name": it["name"], "qty": it["qty"], "price": format(it["price"], "f")} for it in o["_items"]],
        "shipping": None if not o["waybill_no"] else {
            "company": o["express_company"], "waybill_no": o["waybill_no"],
            "shipped_at": (iso(parse_shipped(o["shipped_at"])) if parse_shipped(o["shipped_at"]) else o["shipped_at"])},
        "receiver": {"name": o["receiver_name"], "phone": o["lianxi_dianhua"], "address": o["receiver_address"]},
    }


def render_jsonl(orders, customers_by_id):
    r = rng("export-jsonl")
    picked = r.sample(orders, 38)
    extra = [o for o in orders if o.get("_orphan_customer")][:1] + [o for o in orders if o["shipped_at"] == "0000-00-00 00:00:00"]
    for o in extra:
        if o not in picked:
            picked.append(o)
    picked.sort(key=lambda o: o["id"])
    lines = [json.dumps(order_json(o, customers_by_id), ensure_ascii=False) for o in picked]
    text = "\n".join(lines) + "\n"
    info = {"records": len(picked), "order_nos": [o["order_no"] for o in picked],
            "customer_ids_not_in_customers": sorted({o["customer_id"] for o in picked if o["customer_id"] not in customers_by_id}),
            "zero_date_order_nos": [o["order_no"] for o in picked if o["shipped_at"] == "0000-00-00 00:00:00"]}
    return text.encode("utf-8"), info


def xml_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def mask_name(n):
    if n[0].isascii():
        return n.split()[0] + " *"
    sur = n[:2] if n[:2] in COMPOUND else n[0]
    return sur + "*" * (len(n) - len(sur))


def render_waybills(orders, customers_by_id):
    r = rng("export-xml")
    shipped = [o for o in orders if o["waybill_no"] and o["createtime"] > dt.datetime(2023, 9, 1)]
    picked = sorted(r.sample(shipped, 29), key=lambda o: o["id"])
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<!-- 物流对账导出 (logistics reconciliation export) for 柠檬优选, generated by scripts/gen_sample.py -->',
           '<waybills exported_at="%s" account="LMYX-HZ-0571">' % iso(EXPORTED_AT)]
    orphan_no = None
    all_nos = {o["order_no"] for o in orders}
    events_total = 0
    for k, o in enumerate(picked + [None]):
        if o is None:  # the partner knows a waybill of an order the ERP never had (test order)
            base = picked[3]
            orphan_no = base["order_no"][:-3] + "998"
            assert orphan_no not in all_nos
            o = dict(base, order_no=orphan_no, waybill_no=new_waybill(r, "SF"), express_company="顺丰速运",
                     _ship=base["_ship"] + dt.timedelta(hours=5))
        code = [c for c in CARRIERS if c[1] == o["express_company"]][0]
        ship = o["_ship"]
        c = customers_by_id.get(o["customer_id"])
        city = c["city"] if c else "杭州市"
        phone = normalize_mobile(o["lianxi_dianhua"]) or o["lianxi_dianhua"]
        evs = [(ship, "【杭州市】%s 已收取快件" % code[1]),
               (ship + hours(r, 3, 8), "【杭州市】快件已到达 杭州转运中心"),
               (ship + hours(r, 9, 20), "【杭州市】快件已从 杭州转运中心 发出，下一站 %s转运中心" % city)]
        delivered = (NOW - ship) > dt.timedelta(days=4) and r.random() < 0.85
        if (NOW - ship) > dt.timedelta(days=2):
            evs.append((ship + hours(r, 26, 40), "【%s】快件已到达 %s转运中心" % (city, city)))
            evs.append((ship + hours(r, 44, 52), "【%s】快递员 %s师傅（电话 %s）正在为您派件" % (city, r.choice(SURNAMES), new_mobile(r))))
        if delivered:
            evs.append((ship + hours(r, 53, 60), "【%s】已签收，签收人：%s" % (city, r.choice(["本人", "快递柜", "驿站代收", "门卫"]))))
            status = ("SIGNED", "已签收")
        elif len(evs) > 3:
            status = ("DELIVERING", "派送中")
        else:
            status = ("IN_TRANSIT", "运输中")
        if k == 7:
            evs.append((evs[-1][0] + hours(r, 2, 5), "【%s】收件人拒收，快件退回" % city))
            status = ("RETURNED", "退回")
        out.append('  <waybill no="%s" carrier="%s">' % (o["waybill_no"], code[0]))
        out.append("    <order_no>%s</order_no>" % o["order_no"])
        out.append('    <status code="%s">%s</status>' % status)
        out.append("    <receiver>")
        out.append("      <name>%s</name>" % xml_escape(mask_name(o["receiver_name"])))
        out.append("      <phone>%s</phone>" % (phone[:3] + "****" + phone[-4:]))
        out.append("      <city>%s</city>" % city)
        out.append("    </receiver>")
        out.append('    <weight unit="kg">%.1f</weight>' % (0.3 + r.randrange(50) / 10))
        out.append("    <events>")
        for t, text in evs:
            out.append('      <event time="%s">%s</event>' % (ts(day_safe(t)), xml_escape(text)))
        events_total += len(evs)
        out.append("    </events>")
        out.append("  </waybill>")
    out.append("</waybills>")
    info = {"record_path": "/waybills/waybill", "records": len(picked) + 1, "events": events_total,
            "order_nos_not_in_orders": [orphan_no], "waybill_nos_not_in_orders": 1}
    return ("\n".join(out) + "\n").encode("utf-8"), info


def render_customers_json(customers, tickets):
    r = rng("export-json")
    picked = sorted(r.sample(customers, 40), key=lambda c: c["id"])
    arr = []
    for c in picked:
        tags = []
        if c["vip_level"] >= 2:
            tags.append("高价值")
        if any(t["customer_id"] == c["id"] and t["_key"] == "complaint" for t in tickets):
            tags.append("投诉过")
        if c["org_id"]:
            tags.append("企业客户")
        arr.append({
            "customerId": c["id"], "name": c["name"], "gender": {0: None, 1: "male", 2: "female"}[c["gender"]],
            "contact": {"mobile": c["shouji"], "email": c["email"], "wechatOpenId": c["wx_openid"]},
            "level": "VIP%d" % c["vip_level"],
            "address": {"province": c["province"], "city": c["city"], "district": c["district"], "detail": c["street"]},
            "registeredAt": iso(c["created_at"]), "orgId": c["org_id"], "tags": tags,
        })
    text = json.dumps(arr, ensure_ascii=False, indent=2) + "\n"
    return text.encode("utf-8"), {"records": len(arr), "customer_ids": [c["id"] for c in picked]}


# ---------------------------------------------------------------------------------------------
# The legacy order API: OpenAPI 3.0 spec and sample payloads
# ---------------------------------------------------------------------------------------------

API_SPEC = r'''# 柠檬优选 legacy order API (订单开放接口 v1), as the shop's ERP vendor delivered it.
# Part of csbridge's embedded sample (generated by scripts/gen_sample.py). It is realistic on
# purpose, weaknesses included: see samples/api/expected.json for what `csbridge assess api`
# should find.
openapi: 3.0.3
info:
  title: 柠檬优选订单开放接口
  description: |
    Order, waybill, refund and after-sale endpoints of the Lemon Mall ERP.
    Times are ISO 8601 with +08:00. Amounts are in CNY (yuan) with two decimals.
  version: 1.4.2
  contact:
    name: ERP 接口支持
    email: erp-api@lemonmall.example
servers:
  - url: https://api.lemonmall.example/openapi/v1
    description: production
  - url: http://legacy.lemonmall.example:8080/openapi/v1
    description: old gateway, still used by the warehouse scanners
security:
  - ApiKeyAuth: []
tags:
  - name: orders
  - name: aftersale
  - name: customers
  - name: webhooks
paths:
  /orders:
    get:
      tags: [orders]
      operationId: listOrders
      summary: 订单列表 (list orders)
      parameters:
        - name: page
          in: query
          description: 1-based page number
          schema: {type: integer, minimum: 1, default: 1}
        - name: page_size
          in: query
          schema: {type: integer, minimum: 1, maximum: 100, default: 20}
        - name: status
          in: query
          schema:
            $ref: '#/components/schemas/OrderStatus'
        - name: updated_since
          in: query
          description: only orders changed at or after this time
          schema: {type: string, format: date-time}
      responses:
        '200':
          description: one page of orders
          headers:
            X-RateLimit-Limit:
              description: requests allowed per minute
              schema: {type: integer}
            X-RateLimit-Remaining:
              description: requests left in the current minute
              schema: {type: integer}
            X-RateLimit-Reset:
              description: seconds until the window resets
              schema: {type: integer}
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/OrderPage'
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
  /orders/{order_no}:
    parameters:
      - $ref: '#/components/parameters/OrderNo'
    get:
      tags: [orders]
      operationId: getOrder
      summary: 订单详情 (one order)
      responses:
        '200':
          description: the order
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Order'
              example:
                order_no: @EXAMPLE_ORDER_NO@
                status: shipped
                amount: @EXAMPLE_AMOUNT@
                currency: CNY
            application/xml:
              schema:
                $ref: '#/components/schemas/Order'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '404':
          $ref: '#/components/responses/NotFound'
  /orders/{order_no}/waybill:
    parameters:
      - $ref: '#/components/parameters/OrderNo'
    get:
      tags: [orders]
      summary: 物流轨迹 (waybill and tracking events of an order)
      responses:
        '200':
          description: the waybill
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Waybill'
        '404':
          $ref: '#/components/responses/NotFound'
  /orders/{order_no}/status:
    parameters:
      - $ref: '#/components/parameters/OrderNo'
    put:
      tags: [orders]
      operationId: updateOrderStatus
      summary: 修改订单状态 (e.g. cancel an unshipped order)
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/StatusUpdate'
      responses:
        '200':
          description: the updated order
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Order'
        '409':
          $ref: '#/components/responses/Conflict'
  /orders/{order_no}/refunds:
    parameters:
      - $ref: '#/components/parameters/OrderNo'
    post:
      tags: [aftersale]
      operationId: createRefund
      summary: 发起退款 (refund all or part of an order)
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/RefundRequest'
      responses:
        '201':
          description: refund accepted
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Refund'
        '400':
          $ref: '#/components/responses/BadRequest'
        '409':
          $ref: '#/components/responses/Conflict'
  /aftersale/tickets:
    post:
      tags: [aftersale]
      operationId: createAfterSaleTicket
      summary: 创建售后单 (after-sale ticket in the ERP)
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/AfterSaleTicketRequest'
      responses:
        '201':
          description: created
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/AfterSaleTicket'
        '400':
          $ref: '#/components/responses/BadRequest'
  /customers/{customer_id}:
    get:
      tags: [customers]
      operationId: getCustomer
      summary: 客户资料 (customer profile)
      parameters:
        - name: customer_id
          in: path
          required: true
          schema: {type: integer}
      responses:
        '200':
          description: the customer
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Customer'
        '404':
          $ref: '#/components/responses/NotFound'
  /webhooks:
    post:
      tags: [webhooks]
      operationId: subscribeOrderEvents
      summary: 订阅订单状态变更回调 (subscribe to order status changes)
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/WebhookSubscription'
      responses:
        '201':
          description: subscribed
      callbacks:
        orderStatusChanged:
          '{$request.body#/callback_url}':
            post:
              summary: sent when an order changes status
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      $ref: '#/components/schemas/OrderStatusEvent'
              responses:
                '200':
                  description: received; anything else is retried 3 times
components:
  securitySchemes:
    ApiKeyAuth:
      type: apiKey
      in: header
      name: X-Api-Key
  parameters:
    OrderNo:
      name: order_no
      in: path
      required: true
      description: 订单号, e.g. @EXAMPLE_ORDER_NO@
      schema: {type: string, pattern: '^SO[0-9]{11}$'}
  responses:
    BadRequest:
      description: invalid parameters
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
    Unauthorized:
      description: missing or wrong X-Api-Key
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
    NotFound:
      description: no such object
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
    Conflict:
      description: the order is not in a state that allows this
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
  schemas:
    Error:
      type: object
      required: [code, message]
      properties:
        code: {type: integer, description: 'business error code, e.g. 40401 order not found'}
        message: {type: string}
        request_id: {type: string}
    OrderStatus:
      type: string
      enum: [unpaid, paid, shipped, completed, refunded, cancelled]
    Order:
      type: object
      required: [order_no, status, amount, created_at]
      properties:
        order_no: {type: string}
        status:
          $ref: '#/components/schemas/OrderStatus'
        amount: {type: number, format: double}
        currency: {type: string, default: CNY}
        pay_channel: {type: string, enum: [alipay, wxpay, unionpay], nullable: true}
        created_at: {type: string, format: date-time}
        paid_at: {type: string, format: date-time, nullable: true}
        customer:
          $ref: '#/components/schemas/CustomerRef'
        items:
          type: array
          items:
            $ref: '#/components/schemas/OrderItem'
        shipment:
          $ref: '#/components/schemas/Shipment'
        receiver:
          $ref: '#/components/schemas/Receiver'
        refunds:
          type: array
          items:
            $ref: '#/components/schemas/Refund'
    OrderItem:
      type: object
      properties:
        sku: {type: string}
        name: {type: string}
        quantity: {type: integer}
        unit_price: {type: number, format: double}
    CustomerRef:
      type: object
      properties:
        id: {type: integer}
        name: {type: string}
        mobile: {type: string, description: 手机号}
    Customer:
      type: object
      properties:
        id: {type: integer}
        name: {type: string}
        mobile: {type: string}
        email: {type: string, format: email}
        level: {type: string, example: VIP2}
        registered_at: {type: string, format: date-time}
    Receiver:
      type: object
      properties:
        name: {type: string}
        phone: {type: string}
        address: {type: string}
    Shipment:
      type: object
      nullable: true
      properties:
        carrier: {type: string, enum: [SF, YTO, JD]}
        waybill_no: {type: string}
        shipped_at: {type: string, format: date-time}
    Waybill:
      type: object
      properties:
        waybill_no: {type: string}
        carrier: {type: string}
        status: {type: string, enum: [IN_TRANSIT, DELIVERING, SIGNED, RETURNED]}
        events:
          type: array
          items:
            type: object
            properties:
              time: {type: string, format: date-time}
              description: {type: string}
    OrderPage:
      type: object
      properties:
        page: {type: integer}
        page_size: {type: integer}
        total: {type: integer}
        data:
          type: array
          items:
            $ref: '#/components/schemas/Order'
    StatusUpdate:
      type: object
      required: [status]
      properties:
        status:
          $ref: '#/components/schemas/OrderStatus'
        reason: {type: string}
    RefundRequest:
      type: object
      required: [amount, reason]
      properties:
        amount: {type: number, format: double}
        reason: {type: string, enum: [damaged, wrong_item, not_received, price_protection, cancel, other]}
        refund_to: {type: string, enum: [original, bank_card], default: original}
        bank_card: {type: string, description: 仅 refund_to=bank_card 时需要}
        operator: {type: string}
    Refund:
      type: object
      properties:
        refund_no: {type: string}
        amount: {type: number, format: double}
        reason: {type: string}
        status: {type: string, enum: [pending, success, failed]}
        created_at: {type: string, format: date-time}
    AfterSaleTicketRequest:
      type: object
      required: [order_no, type]
      properties:
        order_no: {type: string}
        type: {type: string, enum: [return, exchange, repair, complaint]}
        description: {type: string}
        customer_mobile: {type: string}
    AfterSaleTicket:
      type: object
      properties:
        ticket_id: {type: string}
        status: {type: string}
    WebhookSubscription:
      type: object
      required: [callback_url, events]
      properties:
        callback_url: {type: string, format: uri}
        events:
          type: array
          items: {type: string, enum: [order.paid, order.shipped, order.completed, order.refunded, order.cancelled]}
        secret: {type: string, description: used to sign callbacks (HMAC-SHA1 in X-Signature)}
    OrderStatusEvent:
      type: object
      properties:
        event: {type: string}
        order_no: {type: string}
        old_status:
          $ref: '#/components/schemas/OrderStatus'
        new_status:
          $ref: '#/components/schemas/OrderStatus'
        occurred_at: {type: string, format: date-time}
'''

PAY_CHANNEL_API = {"支付宝": "alipay", "微信支付": "wxpay", "银联": "unionpay", None: None}
CARRIER_API = {"顺丰速运": "SF", "圆通速递": "YTO", "京东物流": "JD"}


def api_order(o, customers_by_id, status=None, memo=None, refunds=None):
    c = customers_by_id.get(o["customer_id"])
    d = {
        "order_no": o["order_no"], "status": status or o["status"], "amount": float(o["amount"]), "currency": "CNY",
        "pay_channel": PAY_CHANNEL_API[o["pay_channel"]], "created_at": iso(o["createtime"]), "paid_at": iso(o["paid_at"]),
        "customer": {"id": o["customer_id"], "name": c["name"] if c else None, "mobile": normalize_mobile(c["shouji"]) if c else None},
        "items": [{"sku": it["sku"], "name": it["name"], "quantity": it["qty"], "unit_price": float(it["price"])} for it in o["_items"]],
        "shipment": None if not o["waybill_no"] else {
            "carrier": CARRIER_API[o["express_company"]], "waybill_no": o["waybill_no"], "shipped_at": iso(o["_ship"])},
        "receiver": {"name": o["receiver_name"], "phone": normalize_mobile(o["lianxi_dianhua"]), "address": o["receiver_address"]},
        "refunds": refunds or [],
    }
    if memo is not None:
        d["seller_memo"] = memo  # not in the spec
    return d


def render_api(orders, customers_by_id):
    r = rng("api")
    multi = [o for o in orders if len(o["_items"]) >= 2 and o["status"] == "completed" and o["waybill_no"]
             and o["customer_id"] in customers_by_id and o["createtime"] > dt.datetime(2023, 10, 1)]
    o = multi[2]
    part = o["_items"][0]
    refund = {"refund_no": "RF%s%04d" % ((o["_ship"] + dt.timedelta(days=4)).strftime("%Y%m%d"), r.randint(1, 9999)),
              "amount": float(part["price"]), "reason": "damaged", "status": "success",
              "created_at": iso(day_safe(o["_ship"] + dt.timedelta(days=4, hours=2)))}
    one = api_order(o, customers_by_id, status="partially_refunded", memo="客户说外箱破损，已部分退款；下次发顺丰", refunds=[refund])
    spec = API_SPEC.replace("@EXAMPLE_ORDER_NO@", o["order_no"]).replace("@EXAMPLE_AMOUNT@", format(o["amount"], "f"))
    recent = [x for x in orders if x["customer_id"] in customers_by_id][-5:]
    page_items = [api_order(x, customers_by_id) for x in reversed(recent)]
    page = {"page": 1, "page_size": 5, "total": len(orders), "data": page_items}
    # the same order as the old gateway's XML rendering
    x = ['<?xml version="1.0" encoding="UTF-8"?>', "<order>"]
    x.append("  <order_no>%s</order_no>" % one["order_no"])
    x.append("  <status>%s</status>" % one["status"])
    x.append('  <amount currency="CNY">%s</amount>' % format(o["amount"], "f"))
    x.append("  <pay_channel>%s</pay_channel>" % one["pay_channel"])
    x.append("  <created_at>%s</created_at>" % one["created_at"])
    x.append("  <paid_at>%s</paid_at>" % one["paid_at"])
    x.append('  <customer id="%d">' % one["customer"]["id"])
    x.append("    <name>%s</name>" % xml_escape(one["customer"]["name"]))
    x.append("    <mobile>%s</mobile>" % (one["customer"]["mobile"] or ""))
    x.append("  </customer>")
    x.append("  <items>")
    for it in o["_items"]:
        x.append('    <item sku="%s" quantity="%d" unit_price="%s">%s</item>' % (it["sku"], it["qty"], format(it["price"], "f"), xml_escape(it["name"])))
    x.append("  </items>")
    x.append('  <shipment carrier="%s" waybill_no="%s" shipped_at="%s"/>' % (
        one["shipment"]["carrier"], one["shipment"]["waybill_no"], one["shipment"]["shipped_at"]))
    x.append("  <receiver>")
    x.append("    <name>%s</name>" % xml_escape(one["receiver"]["name"]))
    x.append("    <phone>%s</phone>" % one["receiver"]["phone"])
    x.append("    <address>%s</address>" % xml_escape(one["receiver"]["address"]))
    x.append("  </receiver>")
    x.append("  <refunds>")
    x.append('    <refund refund_no="%s" amount="%s" reason="%s" status="%s" created_at="%s"/>' % (
        refund["refund_no"], format(part["price"], "f"), refund["reason"], refund["status"], refund["created_at"]))
    x.append("  </refunds>")
    x.append("  <seller_memo>%s</seller_memo>" % xml_escape(one["seller_memo"]))
    x.append("</order>")
    files = {
        "samples/api/order_api.yaml": spec.encode("utf-8"),
        "samples/api/payloads/order.json": (json.dumps(one, ensure_ascii=False, indent=2) + "\n").encode("utf-8"),
        "samples/api/payloads/orders_page.json": (json.dumps(page, ensure_ascii=False, indent=2) + "\n").encode("utf-8"),
        "samples/api/payloads/order.xml": ("\n".join(x) + "\n").encode("utf-8"),
    }
    facts = {
        "spec": "samples/api/order_api.yaml",
        "openapi_version": "3.0.3",
        "servers": [{"url": "https://api.lemonmall.example/openapi/v1", "https": True},
                    {"url": "http://legacy.lemonmall.example:8080/openapi/v1", "https": False}],
        "https_only": False,
        "auth": [{"scheme": "ApiKeyAuth", "type": "apiKey", "in": "header", "name": "X-Api-Key"}],
        "operations": [
            {"method": "GET", "path": "/orders", "operationId": "listOrders", "writes": False},
            {"method": "GET", "path": "/orders/{order_no}", "operationId": "getOrder", "writes": False},
            {"method": "GET", "path": "/orders/{order_no}/waybill", "operationId": None, "writes": False},
            {"method": "PUT", "path": "/orders/{order_no}/status", "operationId": "updateOrderStatus", "writes": True},
            {"method": "POST", "path": "/orders/{order_no}/refunds", "operationId": "createRefund", "writes": True},
            {"method": "POST", "path": "/aftersale/tickets", "operationId": "createAfterSaleTicket", "writes": True},
            {"method": "GET", "path": "/customers/{customer_id}", "operationId": "getCustomer", "writes": False},
            {"method": "POST", "path": "/webhooks", "operationId": "subscribeOrderEvents", "writes": True},
        ],
        "operations_without_operation_id": ["GET /orders/{order_no}/waybill"],
        "pagination": {"operation": "GET /orders", "style": "page", "parameters": ["page", "page_size"], "max_page_size": 100},
        "error_schema": "#/components/schemas/Error",
        "idempotency_key": {"writes_without_idempotency_key": ["PUT /orders/{order_no}/status", "POST /orders/{order_no}/refunds",
                                                               "POST /aftersale/tickets", "POST /webhooks"],
                            "note": "no operation declares an Idempotency-Key header; the refund POST is the one that matters"},
        "rate_limit_headers": {"declared_on": ["GET /orders 200"], "headers": ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"]},
        "callbacks": [{"operation": "POST /webhooks", "name": "orderStatusChanged", "expression": "{$request.body#/callback_url}",
                       "payload": "#/components/schemas/OrderStatusEvent"}],
        "cs_entities": {"read": ["order (business_ref)", "waybill (business_ref)", "customer"],
                        "write_back": ["refund: POST /orders/{order_no}/refunds", "status update: PUT /orders/{order_no}/status",
                                       "ticket creation: POST /aftersale/tickets"]},
        "payloads": {
            "samples/api/payloads/order.json": {"schema": "Order", "order_no": o["order_no"], "undocumented_fields": ["seller_memo"],
                                                "enum_violations": [{"field": "status", "value": "partially_refunded",
                                                                     "allowed": ["unpaid", "paid", "shipped", "completed", "refunded", "cancelled"]}]},
            "samples/api/payloads/order.xml": {"schema": "Order", "order_no": o["order_no"], "undocumented_fields": ["seller_memo"],
                                               "enum_violations": [{"field": "status", "value": "partially_refunded"}]},
            "samples/api/payloads/orders_page.json": {"schema": "OrderPage", "records": len(page_items), "undocumented_fields": [],
                                                      "enum_violations": []},
        },
    }
    return files, facts


# ---------------------------------------------------------------------------------------------
# Ground truth
# ---------------------------------------------------------------------------------------------

TEXT_PATTERNS = {  # what counts as "embedded" in free text (documented in EXPECTED.md)
    "mobile": r"(?<![0-9])(?:\+?86[ -]?)?1(?:3\d|4[5-9]|5[0-35-9]|6[25-7]|7[0-8]|8\d|9[0-35-9])(?:[ -]?\d{4}){2}(?![0-9])",
    "national_id": r"(?<![0-9A-Za-z])\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9X](?![0-9A-Za-z])",
    "bank_card": r"(?<![0-9])(?:\d{4} ?){3}\d{4}(?: ?\d{3})?(?![0-9])",
    "email": r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
    "landline": r"(?<![0-9])0\d{2,3}-\d{7,8}(?![0-9])",
    "order_no": r"(?<![A-Za-z0-9])SO\d{8,11}(?![0-9])",
    "waybill_no": r"(?<![A-Za-z0-9])(?:SF\d{12}|YT\d{13}|JD\d{13})(?![0-9])",
}
TEXT_RE = {k: re.compile(v) for k, v in TEXT_PATTERNS.items()}


def text_hits(text):
    hits = {}
    for k, rx in TEXT_RE.items():
        found = rx.findall(text or "")
        if k == "bank_card":
            found = [f for f in found if luhn_ok(f.replace(" ", ""))]
        if k == "national_id":
            found = [f for f in found if id_valid(f)]
        hits[k] = found
    return hits


def relationship(child, ccol, parent, pcol, data, kind="id", disc=None, note=None):
    rows = data[child]
    if disc:
        rows = [x for x in rows if x[disc[0]] == disc[1]]
    parents = {x[pcol] for x in data[parent]}
    vals = [x[ccol] for x in rows if x[ccol] is not None]
    # 0 where the parent has no key 0 means "none" (system, nobody): not an orphan.
    none = [v for v in vals if v == 0 and 0 not in parents]
    orphans = [v for v in vals if v not in parents and not (v == 0 and 0 not in parents)]
    d = {"child": "%s.%s" % (child, ccol), "parent": "%s.%s" % (parent, pcol), "kind": kind,
         "discriminator": None if not disc else {"column": disc[0], "value": disc[1]},
         "child_rows": len(rows), "child_rows_null": len(rows) - len(vals), "child_rows_non_null": len(vals),
         "distinct_values": len(set(vals)), "orphan_rows": len(orphans),
         "orphan_distinct_values": len(set(orphans)), "orphan_values": sorted(set(orphans))}
    if none:
        d["none_rows"] = len(none)
    if note:
        d["note"] = note
    return d


def collect_facts(data, customers, orders, tickets, exports, deleted_replies, api_facts):
    f = {"sample": "柠檬优选 (Lemon Mall) legacy helpdesk", "generator": "scripts/gen_sample.py", "seed": SEED,
         "sql": "samples/helpdesk/helpdesk.sql", "now": ts(NOW),
         "timestamps": "local time of Asia/Shanghai, stored without zone (TIMESTAMP WITHOUT TIME ZONE)",
         "declared_foreign_keys": []}
    tables = {}
    for table, entity, pk, cols in SCHEMA:
        tables[table] = {
            "rows": len(data[table]), "primary_key": pk, "cs_entity": entity,
            "unique_indexes": [c for n, t, c, u in INDEXES if t == table and u],
            "indexes": [c for n, t, c, u in INDEXES if t == table and not u],
            "columns": [{"name": c[0], "type": c[1], "nullable": c[2], "pii": c[3]} for c in cols],
        }
    f["tables"] = tables
    f["total_rows"] = sum(len(data[t]) for t in TABLE_ORDER)
    rels = [
        relationship("agents", "group_id", "agent_groups", "id", data),
        relationship("agent_groups", "leader_id", "agents", "id", data),
        relationship("customers", "org_id", "orgs", "id", data),
        relationship("orders", "customer_id", "customers", "id", data, note="orphans: customers deleted later"),
        relationship("tickets", "customer_id", "customers", "id", data, note="NULL = anonymous contact"),
        relationship("tickets", "assignee_id", "agents", "id", data, note="orphans: agent %d was deleted" % DELETED_AGENT),
        relationship("tickets", "group_id", "agent_groups", "id", data, note="NULL before 2022 (old system)"),
        relationship("tickets", "order_no", "orders", "order_no", data, kind="text_reference",
                     note="VARCHAR reference to the unique order_no, not to orders.id"),
        relationship("ticket_replies", "ticket_id", "tickets", "id", data, note="orphans: replies of deleted spam tickets"),
        relationship("ticket_replies", "author_id", "customers", "id", data, kind="polymorphic", disc=("author_type", "customer"),
                     note="NULL = anonymous customer"),
        relationship("ticket_replies", "author_id", "agents", "id", data, kind="polymorphic", disc=("author_type", "agent"),
                     note="orphans: agent %d was deleted" % DELETED_AGENT),
        relationship("ticket_history", "ticket_id", "tickets", "id", data),
        relationship("ticket_history", "changed_by", "agents", "id", data,
                     note="0 = system/automation (none, not an orphan), %d = deleted agent" % DELETED_AGENT),
        relationship("ratings", "rt_ticket_id", "tickets", "id", data),
        relationship("attachments", "object_id", "tickets", "id", data, kind="polymorphic", disc=("object_type", "ticket")),
        relationship("attachments", "object_id", "ticket_replies", "id", data, kind="polymorphic", disc=("object_type", "reply"),
                     note="orphans: deleted replies"),
        relationship("ticket_tags", "ticket_id", "tickets", "id", data),
        relationship("ticket_tags", "tag_id", "tags", "id", data, note="orphans: tag %d (重复工单) was deleted" % DELETED_TAG),
    ]
    f["relationships"] = rels
    f["pii"] = {"%s.%s" % (t, c[0]): c[3] for t, _, _, cols in SCHEMA for c in cols if c[3] != "none"}
    # embedded PII in free text
    emb = {}
    for t, _, _, cols in SCHEMA:
        for c in cols:
            if c[3] != "free_text":
                continue
            vals = [x[c[0]] for x in data[t]]
            counts = {"rows": len(vals), "non_empty": len([v for v in vals if v])}
            for k in TEXT_PATTERNS:
                counts["rows_with_" + k] = len([v for v in vals if v and text_hits(v)[k]])
            emb["%s.%s" % (t, c[0])] = counts
    f["free_text_embedded"] = {"patterns": TEXT_PATTERNS,
                               "note": "rows whose text has at least one match; national_id and bank_card matches must also pass GB 11643 / Luhn",
                               "columns": emb}
    # dirt
    cust_rows = data["customers"]
    invalid = [c for c in cust_rows if c["shouji"] and normalize_mobile(c["shouji"]) is None]
    fmts = {"plain_11_digits": 0, "+86 prefix": 0, "spaces": 0, "dashes": 0}
    for c in cust_rows:
        v = c["shouji"]
        if not v or normalize_mobile(v) is None:
            continue
        if v.startswith("+86") or v.startswith("86"):
            fmts["+86 prefix"] += 1
        elif " " in v:
            fmts["spaces"] += 1
        elif "-" in v:
            fmts["dashes"] += 1
        else:
            fmts["plain_11_digits"] += 1
    groups = []
    by_phone, by_email = {}, {}
    for c in cust_rows:
        m = normalize_mobile(c["shouji"])
        if m:
            by_phone.setdefault(m, []).append(c["id"])
        if c["email"]:
            by_email.setdefault(c["email"].strip().lower(), []).append(c["id"])
    for k in sorted(by_phone):
        if len(by_phone[k]) > 1:
            groups.append({"by": "phone", "normalized": k, "ids": by_phone[k],
                           "values": [[x["shouji"] for x in cust_rows if x["id"] == i][0] for i in by_phone[k]]})
    for k in sorted(by_email):
        if len(by_email[k]) > 1:
            groups.append({"by": "email_case_insensitive", "normalized": k, "ids": by_email[k],
                           "values": [[x["email"] for x in cust_rows if x["id"] == i][0] for i in by_email[k]]})
    ids18 = [c for c in cust_rows if c["id_card"] and len(c["id_card"]) == 18]
    f["dirt"] = {
        "invalid_mobiles": {"column": "customers.shouji", "count": len(invalid),
                            "rows": [{"id": c["id"], "value": c["shouji"], "why": INVALID_PHONE[c["_idx"]]} for c in invalid],
                            "rule": "strip spaces and dashes, then " + MOBILE_RE.pattern},
        "missing_mobiles": {"column": "customers.shouji", "null": len([c for c in cust_rows if c["shouji"] is None]),
                            "empty_string": len([c for c in cust_rows if c["shouji"] == ""])},
        "mobile_formats": {"column": "customers.shouji", "valid_by_format": fmts},
        "duplicate_customers": {"groups": groups, "group_count": len(groups),
                                "duplicate_rows": sum(len(g["ids"]) - 1 for g in groups),
                                "note": "the later id of each group is the duplicate; emails differ only in case "
                                        "(a case-insensitive MariaDB collation already treats them as equal)"},
        "same_name_different_person": {"name": "张伟", "ids": [CUST_IDS[SAME_NAME_PAIR[0]], CUST_IDS[SAME_NAME_PAIR[1]]],
                                       "note": "not duplicates: different phone, email and ID"},
        "national_ids": {"column": "customers.id_card", "valid_18": len([c for c in ids18 if id_valid(c["id_card"])]),
                         "failing_checksum": [{"id": c["id"], "value": c["id_card"]} for c in ids18 if not id_valid(c["id_card"])],
                         "legacy_15_digit": [{"id": c["id"], "value": c["id_card"]} for c in cust_rows if c["id_card"] and len(c["id_card"]) == 15],
                         "null": len([c for c in cust_rows if c["id_card"] is None])},
        "orphans": {r_["child"] + ("[%s=%s]" % (r_["discriminator"]["column"], r_["discriminator"]["value"]) if r_["discriminator"] else ""):
                    r_["orphan_rows"] for r_ in rels if r_["orphan_rows"]},
        "orphan_replies": {"count": len([x for x in data["ticket_replies"] if x["ticket_id"] not in {t["id"] for t in data["tickets"]}]),
                           "ticket_ids": sorted({x["ticket_id"] for x in data["ticket_replies"] if x["ticket_id"] not in {t["id"] for t in data["tickets"]}})},
        "tickets_with_missing_order": {"count": len([t for t in tickets if t["_missing_order"]]),
                                       "order_nos": sorted(t["order_no"] for t in tickets if t["_missing_order"])},
        "zero_dates": [{"table": "orders", "column": "shipped_at", "id": o["id"], "order_no": o["order_no"], "value": o["shipped_at"]}
                       for o in orders if o["shipped_at"] and o["shipped_at"].startswith("0000")],
        "text_timestamps": {"column": "orders.shipped_at", "format_yyyy_mm_dd_hh_mm_ss": len([o for o in orders if o["shipped_at"] and len(o["shipped_at"]) == 19 and o["shipped_at"][4] == "-" and not o["shipped_at"].startswith("0000")]),
                            "format_yyyy_slash_mm_slash_dd_hh_mm": [{"id": o["id"], "value": o["shipped_at"]} for o in orders if o["shipped_at"] and "/" in o["shipped_at"]],
                            "zero_date": 1, "null": len([o for o in orders if o["shipped_at"] is None])},
        "closed_tickets_without_closed_at": [t["id"] for t in tickets if t.get("_closed_at_lost")],
        "deleted_agent_references": {"agent_id": DELETED_AGENT,
                                     "tickets.assignee_id": len([t for t in data["tickets"] if t["assignee_id"] == DELETED_AGENT]),
                                     "ticket_replies.author_id": len([x for x in data["ticket_replies"] if x["author_type"] == "agent" and x["author_id"] == DELETED_AGENT]),
                                     "ticket_history.changed_by": len([x for x in data["ticket_history"] if x["changed_by"] == DELETED_AGENT])},
        "system_user_zero": {"ticket_history.changed_by": len([x for x in data["ticket_history"] if x["changed_by"] == 0])},
        "deleted_tag_references": {"tag_id": DELETED_TAG, "ticket_tags_rows": len([x for x in data["ticket_tags"] if x["tag_id"] == DELETED_TAG])},
        "deleted_reply_ids_with_attachments": deleted_replies,
        "refund_cards": {"column": "orders.refund_card", "non_null": len([o for o in orders if o["refund_card"]]),
                         "failing_luhn": [{"id": o["id"], "value": o["refund_card"]} for o in orders if o["refund_card"] and not luhn_ok(o["refund_card"].replace(" ", ""))],
                         "with_spaces": len([o for o in orders if o["refund_card"] and " " in o["refund_card"]])},
        "ticket_status_vocabulary": {v: len([t for t in data["tickets"] if t["status"] == v]) for v in
                                     ["新建", "处理中", "待客户回复", "已解决", "已关闭", "open", "closed"]},
        "ticket_channels": {v: len([t for t in data["tickets"] if t["channel"] == v]) for v in ["电话", "邮件", "微信", "APP", "web"]},
        "ticket_languages": {"zh": len([t for t in tickets if t["_lang"] == "zh"]), "en": len([t for t in tickets if t["_lang"] == "en"])},
        "internal_notes": len([x for x in data["ticket_replies"] if x["is_internal"] == 1]),
        "multi_line_bodies": len([x for x in data["ticket_replies"] if "\n" in x["body"]]),
        "bodies_with_apostrophe": len([x for x in data["ticket_replies"] if "'" in x["body"]]),
        "timestamps_without_zone": ["%s.%s" % (t, c[0]) for t, _, _, cols in SCHEMA for c in cols if c[1] == "TIMESTAMP"],
        "nul_bytes": 0,
        "encoding": "the SQL is UTF-8 (BMP only, no 4-byte characters); the GBK file is exports/customers_legacy_gbk.csv",
    }
    # the planted dirt is exactly what was planted, nothing more
    planted = sorted([CUST_IDS[o], CUST_IDS[x]] for o, x, _ in PHONE_DUPS) + sorted([CUST_IDS[o], CUST_IDS[x]] for o, x in EMAIL_DUPS)
    assert sorted(g["ids"] for g in groups) == sorted(planted), groups
    assert sorted(c["_idx"] for c in invalid) == sorted(INVALID_PHONE), invalid
    assert len(f["dirt"]["national_ids"]["failing_checksum"]) == len(BAD_ID_CHECK)
    assert len(f["dirt"]["national_ids"]["legacy_15_digit"]) == len(LEGACY_ID15)
    assert f["dirt"]["orphan_replies"]["count"] == sum(SPAM_REPLY_COUNTS)
    assert f["dirt"]["tickets_with_missing_order"]["count"] == N_MISSING_ORDER_TICKETS == [
        r_ for r_ in rels if r_["child"] == "tickets.order_no"][0]["orphan_rows"]
    assert len(f["dirt"]["zero_dates"]) == 1 and len(f["dirt"]["refund_cards"]["failing_luhn"]) == 1
    f["exports"] = exports
    f["api"] = "samples/api/expected.json"
    return f


def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    for r_ in rows:
        out.append("| " + " | ".join(str(x) for x in r_) + " |")
    return "\n".join(out)


def render_expected_md(f, api):
    d = f["dirt"]
    L = []
    w = L.append
    w("# EXPECTED: ground truth of the embedded sample\n")
    w("Generated by `scripts/gen_sample.py` (seed %d) from the same rows it writes; do not edit by hand." % SEED)
    w("The machine-readable twin is `expected.json` (tests read that). \"Now\" in the data is %s;" % f["now"])
    w("all TIMESTAMP columns are Asia/Shanghai local times without zone.\n")
    w("## Tables (%d rows in all; no declared foreign keys)\n" % f["total_rows"])
    w(md_table(["table", "rows", "primary key", "unique indexes", "most likely CS entity"],
               [(t, v["rows"], ", ".join(v["primary_key"]), "; ".join(", ".join(c) for c in v["unique_indexes"]) or "-", v["cs_entity"])
                for t, v in f["tables"].items()]))
    w("\nLegacy naming on purpose: pinyin columns `customers.shouji` (手机, mobile) and `orders.lianxi_dianhua`")
    w("(联系电话, receiver phone); run-together `orders.createtime`; the `rt_` prefix on every `ratings` column;")
    w("`orders.shipped_at` is VARCHAR(19) holding text timestamps. All identifiers are lowercase and unquoted.\n")
    w("## Implied relationships (child → parent)\n")
    w(md_table(["child", "parent", "kind", "non-null child rows", "orphan rows", "orphan values", "note"],
               [(r_["child"] + (" where %s='%s'" % (r_["discriminator"]["column"], r_["discriminator"]["value"]) if r_["discriminator"] else ""),
                 r_["parent"], r_["kind"], r_["child_rows_non_null"], r_["orphan_rows"],
                 ", ".join(str(v) for v in r_["orphan_values"]) or "-", r_.get("note", ""))
                for r_ in f["relationships"]]))
    w("\nOrphan rows count non-NULL child values that have no parent row; 0 where the parent has no key 0 means none")
    w("and is no orphan. `tickets.order_no` is a text reference to the")
    w("unique `orders.order_no`; `attachments (object_type, object_id)` and `ticket_replies (author_type, author_id)` are")
    w("polymorphic pairs. `ticket_history.old_value/new_value` hold agent or group ids as text when `field_name` says so.\n")
    w("## PII classes per column\n")
    by_class = {}
    for col, cls in f["pii"].items():
        by_class.setdefault(cls, []).append(col)
    w(md_table(["class", "columns"], [(k, ", ".join("`%s`" % c for c in v)) for k, v in by_class.items()]))
    w("\n`customers.wx_openid` (WeChat openid) and `tickets.ext_info` (JSON: app version, WeChat nick/openid, client ip)")
    w("are channel identities; `orgs.credit_code` is a company registration number (统一社会信用代码), not personal.\n")
    w("### PII embedded in free text (rows with at least one match)\n")
    keys = list(TEXT_PATTERNS)
    w(md_table(["column", "rows", "non-empty"] + keys,
               [(c, v["rows"], v["non_empty"]) + tuple(v["rows_with_" + k] for k in keys)
                for c, v in f["free_text_embedded"]["columns"].items()]))
    w("\nPatterns (Python `re`; `national_id` matches must pass GB 11643, `bank_card` matches must pass Luhn):\n")
    for k, v in TEXT_PATTERNS.items():
        w("- %s: `%s`" % (k, v))
    w("\n## Planted dirt\n")
    w("- **Invalid mobiles** in `customers.shouji`: %d — %s." % (d["invalid_mobiles"]["count"], "; ".join(
        "id %d `%s` (%s)" % (x["id"], x["value"], x["why"]) for x in d["invalid_mobiles"]["rows"])))
    w("  Missing: %d NULL, %d empty string. Valid ones by format: %s." % (
        d["missing_mobiles"]["null"], d["missing_mobiles"]["empty_string"],
        ", ".join("%s %d" % kv for kv in d["mobile_formats"]["valid_by_format"].items())))
    w("- **Duplicate customers**: %d groups, %d duplicate rows —" % (d["duplicate_customers"]["group_count"], d["duplicate_customers"]["duplicate_rows"]))
    for g in d["duplicate_customers"]["groups"]:
        w("  - by %s `%s`: ids %s (stored as %s)" % (g["by"], g["normalized"], ", ".join(map(str, g["ids"])),
                                                   ", ".join("`%s`" % v for v in g["values"])))
    w("  - not a duplicate: two different customers named 张伟 (ids %s)." % ", ".join(map(str, d["same_name_different_person"]["ids"])))
    n = d["national_ids"]
    w("- **Resident IDs** in `customers.id_card`: %d valid 18-char; %d failing the GB 11643 check char (%s);"
      " %d legacy 15-digit (%s); %d NULL." % (
          n["valid_18"], len(n["failing_checksum"]), ", ".join("id %d `%s`" % (x["id"], x["value"]) for x in n["failing_checksum"]),
          len(n["legacy_15_digit"]), ", ".join("id %d `%s`" % (x["id"], x["value"]) for x in n["legacy_15_digit"]), n["null"]))
    w("- **Orphan replies**: %d rows of `ticket_replies` whose ticket (ids %s, deleted spam) does not exist." % (
        d["orphan_replies"]["count"], ", ".join(map(str, d["orphan_replies"]["ticket_ids"]))))
    w("- **Tickets pointing at missing orders**: %d (`%s`)." % (d["tickets_with_missing_order"]["count"],
                                                            "`, `".join(d["tickets_with_missing_order"]["order_nos"])))
    z = d["zero_dates"][0]
    w("- **Zero date**: `orders.shipped_at` = `%s` on order id %d (%s)." % (z["value"], z["id"], z["order_no"]))
    tt = d["text_timestamps"]
    w("- **Text timestamps** in `orders.shipped_at`: %d as `YYYY-MM-DD HH:MM:SS`, %d as `YYYY/MM/DD HH:MM` (ids %s), 1 zero date, %d NULL." % (
        tt["format_yyyy_mm_dd_hh_mm_ss"], len(tt["format_yyyy_slash_mm_slash_dd_hh_mm"]),
        ", ".join(str(x["id"]) for x in tt["format_yyyy_slash_mm_slash_dd_hh_mm"]), tt["null"]))
    w("- **Closed tickets without closed_at**: %d (ids %s)." % (len(d["closed_tickets_without_closed_at"]),
                                                          ", ".join(map(str, d["closed_tickets_without_closed_at"]))))
    da = d["deleted_agent_references"]
    w("- **Deleted agent %d** still referenced: tickets.assignee_id %d, ticket_replies.author_id %d, ticket_history.changed_by %d." % (
        da["agent_id"], da["tickets.assignee_id"], da["ticket_replies.author_id"], da["ticket_history.changed_by"]))
    w("- **System user 0** in `ticket_history.changed_by`: %d rows (automation, not an agent)." % d["system_user_zero"]["ticket_history.changed_by"])
    w("- **Deleted tag %d** still in `ticket_tags`: %d rows. **Deleted replies** %s still have attachments." % (
        DELETED_TAG, d["deleted_tag_references"]["ticket_tags_rows"], ", ".join(map(str, d["deleted_reply_ids_with_attachments"]))))
    rc = d["refund_cards"]
    w("- **Bank cards** in `orders.refund_card`: %d, %d written with spaces, %d failing Luhn (%s)." % (
        rc["non_null"], rc["with_spaces"], len(rc["failing_luhn"]), ", ".join("id %d" % x["id"] for x in rc["failing_luhn"])))
    w("- **Status vocabulary** of `tickets.status`: %s." % ", ".join("%s %d" % kv for kv in d["ticket_status_vocabulary"].items()))
    w("- **Channels**: %s. **Languages**: %s." % (", ".join("%s %d" % kv for kv in d["ticket_channels"].items()),
                                                ", ".join("%s %d" % kv for kv in d["ticket_languages"].items())))
    w("- **Timestamps without zone**: every TIMESTAMP column (%d)." % len(d["timestamps_without_zone"]))
    w("- Replies: %d internal notes, %d multi-line bodies, %d bodies with an apostrophe (doubled in the SQL)." % (
        d["internal_notes"], d["multi_line_bodies"], d["bodies_with_apostrophe"]))
    w("- No NUL bytes (they cannot travel through one portable SQL script); no 4-byte UTF-8 characters.\n")
    e = f["exports"]
    w("## Exports (`samples/helpdesk/exports/`)\n")
    g = e["customers_legacy_gbk.csv"]
    w("- `customers_legacy_gbk.csv` — **GBK-encoded** (not valid UTF-8), CRLF line ends, header `%s`;" % g["header"])
    w("  %d data records (%d well-formed) on %d physical lines. **Ragged row**: data record %d (physical line %d, customer %d) has %d fields"
      " instead of %d (%s). Data record %d (line %d) holds a quoted line break in 备注; data record %d (line %d) doubled quotes."
      " Customers %s exist only in this file." % (
          g["data_records"], g["well_formed_data_records"], g["physical_lines"], g["ragged_row"]["data_record"], g["ragged_row"]["physical_line"],
          g["ragged_row"]["customer_id"], g["ragged_row"]["fields"], g["ragged_row"]["expected_fields"], g["ragged_row"]["cause"],
          g["embedded_newline"]["data_record"], g["embedded_newline"]["physical_line"],
          g["doubled_quotes"]["data_record"], g["doubled_quotes"]["physical_line"],
          ", ".join(map(str, g["customer_ids_not_in_customers"]))))
    j = e["orders.jsonl"]
    w("- `orders.jsonl` — %d orders, one JSON object a line, nested `customer`, `items[]`, `shipping`, `receiver`;"
      " amounts as strings; customer ids not in `customers`: %s; zero date kept as text in %s." % (
          j["records"], ", ".join(map(str, j["customer_ids_not_in_customers"])) or "-", ", ".join(j["zero_date_order_nos"]) or "-"))
    x = e["waybills.xml"]
    w("- `waybills.xml` — %d `<waybill>` records (record path `%s`), %d `<event>`s; order numbers not in `orders`: %s." % (
        x["records"], x["record_path"], x["events"], ", ".join(x["order_nos_not_in_orders"])))
    c = e["customers.json"]
    w("- `customers.json` — a JSON array of %d CRM customer objects (camelCase keys, nested `contact` and `address`).\n" % c["records"])
    w("## Legacy order API (`samples/api/`)\n")
    w("Facts in `samples/api/expected.json`: servers %s; auth %s; operation without operationId: %s; pagination %s;"
      " error schema `%s`; writes without an idempotency key: %s; rate-limit headers only on %s; callback `%s`."
      " Payload `order.json`/`order.xml` carry the undocumented field `seller_memo` and the status `partially_refunded`"
      " that the `OrderStatus` enum does not list.\n" % (
          ", ".join("`%s`" % s_["url"] for s_ in api["servers"]), "apiKey header `X-Api-Key`",
          ", ".join(api["operations_without_operation_id"]), "page/page_size on GET /orders", api["error_schema"],
          ", ".join(api["idempotency_key"]["writes_without_idempotency_key"]), ", ".join(api["rate_limit_headers"]["declared_on"]),
          api["callbacks"][0]["name"]))
    return ("\n".join(L) + "\n").encode("utf-8")


# ---------------------------------------------------------------------------------------------
# Config and README (static text)
# ---------------------------------------------------------------------------------------------

CONFIG = """# csbridge project config of the embedded sample (see samples/README.md).
# File paths are relative to this file (samples/), not to the current directory.
version: 1

sources:
  # the legacy helpdesk; scripts/demo builds it from helpdesk/helpdesk.sql
  helpdesk: sqlite:out/helpdesk.db
  # the CRM's customer export: GBK, CRLF, one ragged row
  exports_gbk:
    connection: csv:helpdesk/exports/customers_legacy_gbk.csv?encoding=gbk
    description: CRM customer export (GBK)
  orders_jsonl: jsonl:helpdesk/exports/orders.jsonl
  waybills: xml:helpdesk/exports/waybills.xml?record=/waybills/waybill
  customers_json: json:helpdesk/exports/customers.json
  # The same helpdesk on a server; secrets only through ${ENV} (an unset variable is an error):
  # helpdesk_pg: ${CSBRIDGE_SAMPLE_PG}
  # helpdesk_mariadb: odbc:DSN=lemon_helpdesk

target: sqlite:out/cs.db

mappings: mappings/

masking:
  # HMAC-SHA256 key for deterministic pseudonyms, read from this environment variable
  hmac_key_env: CSBRIDGE_HMAC_KEY
  actions:
    phone: mask          # 138****1234
    national_id: mask    # keep first 4 and last 4
    bank_card: mask      # keep first 6 and last 4
    email: mask          # z***@163.com
    name: keep
    address: mask        # keep province/city/district
    free_text: mask      # scrub embedded phones, IDs, cards, e-mails

options:
  batch_rows: 5000
  default_timezone: Asia/Shanghai
"""

README = """# samples/ — the embedded default

A small but realistic legacy helpdesk of **柠檬优选 (Lemon Mall)**, a Chinese e-commerce shop, with
its side exports and its legacy order API. The demo builds it as SQLite so the whole csbridge pipeline
runs on a fresh machine with no server; the test script loads the very same SQL into PostgreSQL and
MariaDB so every connector is tested against a real server.

Everything here is written by `scripts/gen_sample.py` (Python 3, standard library, fixed seed); the
output is committed, so nobody needs to run it. Re-running it reproduces the files byte for byte;
`python3 scripts/gen_sample.py --check` fails when a committed file differs. Change the generator,
never the files.

| path | what |
| --- | --- |
| `helpdesk/helpdesk.sql` | the helpdesk: @TABLES@ tables, @ROWS@ rows, no foreign keys; one script for SQLite, PostgreSQL and MariaDB |
| `helpdesk/exports/customers_legacy_gbk.csv` | the CRM's customer export: **GBK**, CRLF, Chinese header, one ragged row |
| `helpdesk/exports/orders.jsonl` | ERP orders, one nested JSON object a line |
| `helpdesk/exports/waybills.xml` | the logistics partner's waybills with tracking events (record path `/waybills/waybill`) |
| `helpdesk/exports/customers.json` | CRM customers as one JSON array |
| `helpdesk/EXPECTED.md`, `helpdesk/expected.json` | the ground truth: row counts, keys, implied relationships with orphan counts, PII per column, planted dirt |
| `api/order_api.yaml` | OpenAPI 3.0 spec of the shop's legacy order API (with typical weaknesses) |
| `api/payloads/` | real-looking responses: `order.json`, `orders_page.json`, `order.xml` |
| `api/expected.json` | what `csbridge assess api` should find |
| `csbridge.yaml` | the sample project config (sources, target, masking, options); its paths are relative to `samples/` |

Load the helpdesk (into an empty database or schema):

    mkdir -p samples/out && sqlite3 samples/out/helpdesk.db < samples/helpdesk/helpdesk.sql
    psql "$PGURI" -v ON_ERROR_STOP=1 -1 -f samples/helpdesk/helpdesk.sql
    mariadb --default-character-set=utf8mb4 DB < samples/helpdesk/helpdesk.sql

Portability notes:
- MariaDB: the client must send UTF-8 (`--default-character-set=utf8mb4`); with a C/POSIX locale the
  client falls back to latin1 and silently stores mojibake. The default collation is case-insensitive
  and pads trailing spaces, so `customers.email` values differing only in case compare equal there.
- SQLite keeps DECIMAL as a number with no fixed scale (`199.00` reads back as `199`, `79.9` not `79.90`);
  compare amounts as numbers or with `printf('%.2f', amount)`.
- TIMESTAMP values are local times without zone; none falls between 01:00 and 07:00, so MariaDB's
  conversion through a session time zone with DST cannot shift them.
- `samples/out/` is where the demo writes its databases; it is not part of the sample.

The data is synthetic: names, phone numbers, ID numbers (with valid or deliberately wrong check
characters), bank cards (Luhn-valid unless planted otherwise) and addresses are generated.
"""


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

def build():
    groups, agents = gen_groups_agents()
    orgs = gen_orgs()
    customers = gen_customers(orgs)
    orders = gen_orders(customers, orgs)
    _, tickets, replies, history, _, attachments, ticket_tags = gen_tickets(customers, orders, orgs)
    ratings, deleted_replies = finish_helpdesk(tickets, replies, history, attachments, ticket_tags)
    tags = [dict(id=t[0], tag_name=t[1], color=t[2], created_at=dt.datetime(2021, 3, 1, 10, 0) + dt.timedelta(days=t[0] * 23, minutes=t[0] * 7))
            for t in TAGS]
    data = {"agent_groups": groups, "agents": agents, "orgs": orgs, "customers": customers, "orders": orders,
            "tickets": tickets, "ticket_replies": replies, "ticket_history": history, "ratings": ratings,
            "attachments": attachments, "tags": tags, "ticket_tags": ticket_tags}
    customers_by_id = {c["id"]: c for c in customers}
    files = {}
    files["samples/helpdesk/helpdesk.sql"] = render_sql(data)
    csv_bytes, csv_info = render_gbk_csv(customers)
    csv_info["encoding"] = "gbk"
    csv_info["line_ending"] = "CRLF"
    csv_info["header"] = "客户编号,姓名,手机号,邮箱,地址,注册时间,会员等级,备注"
    csv_info["customer_ids_not_in_customers"] = [i for i in csv_info["customer_ids"] if i not in customers_by_id]
    files["samples/helpdesk/exports/customers_legacy_gbk.csv"] = csv_bytes
    jl, jl_info = render_jsonl(orders, customers_by_id)
    files["samples/helpdesk/exports/orders.jsonl"] = jl
    xml, xml_info = render_waybills(orders, customers_by_id)
    files["samples/helpdesk/exports/waybills.xml"] = xml
    cj, cj_info = render_customers_json(customers, tickets)
    files["samples/helpdesk/exports/customers.json"] = cj
    api_files, api_facts = render_api(orders, customers_by_id)
    files.update(api_files)
    exports = {"customers_legacy_gbk.csv": csv_info, "orders.jsonl": jl_info, "waybills.xml": xml_info, "customers.json": cj_info}
    facts = collect_facts(data, customers, orders, tickets, exports, deleted_replies, api_facts)
    files["samples/helpdesk/expected.json"] = (json.dumps(facts, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    files["samples/helpdesk/EXPECTED.md"] = render_expected_md(facts, api_facts)
    files["samples/api/expected.json"] = (json.dumps(api_facts, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    files["samples/csbridge.yaml"] = CONFIG.encode("utf-8")
    files["samples/README.md"] = README.replace("@TABLES@", str(len(SCHEMA))).replace("@ROWS@", str(facts["total_rows"])).encode("utf-8")
    for path, content in files.items():
        assert len(content) < (1000000 if path.endswith(".sql") else 100000), (path, len(content))
    return files, facts


def main(argv):
    check = "--check" in argv[1:]
    files, facts = build()
    bad = 0
    for path in sorted(files):
        full = os.path.join(ROOT, path)
        if check:
            try:
                with open(full, "rb") as fh:
                    same = fh.read() == files[path]
            except FileNotFoundError:
                same = False
            if not same:
                print("differs: %s" % path, file=sys.stderr)
                bad += 1
        else:
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "wb") as fh:
                fh.write(files[path])
    if not check:
        print("wrote %d files, %d helpdesk rows (%s)" % (len(files), facts["total_rows"], ", ".join(
            "%s %d" % (t, v["rows"]) for t, v in facts["tables"].items())))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
