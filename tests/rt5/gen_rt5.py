#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""Request Tracker 5 data of a Chinese online shop's helpdesk (优品汇), with planted dirt.

    gen_rt5.py [--tickets N] [--seed S] OUTDIR

Writes OUTDIR/data.pg.sql, data.mariadb.sql and data.sqlite.sql, to be loaded after RT's own
etc/schema.{Pg,mysql,SQLite} (tests/rt5/load.sh), and OUTDIR/truth.json: what the data holds,
computed from the very rows written — entity and table counts, the 13 relationships RT leaves
undeclared with their orphan and sentinel rows, and the dirt (invalid phones, duplicate e-mails,
resident IDs failing their check character). tests/rt5/verify_truth.py checks it against a
loaded database; tests/rt5/check_assess.py scores `csbridge assess db` against it.

The rows are those RT 5.0.3 itself writes (lib/RT/User.pm, Group.pm, Ticket.pm): users and groups
share the Principals id space; every user has an ACL-equivalence group and is a member of
Everyone and of Privileged (agents) or Unprivileged (customers); every ticket has four role
groups (Domain 'RT::Ticket-Role', Instance = ticket id), each with its Create transaction; the
Owner role holds Nobody (id 6) until someone takes the ticket; unset dates are 1970-01-01.

What the legacy system did to itself (the orphans, all counted in truth.json):
  - three agents who left were deleted by hand from Users and Principals: their tickets,
    transactions and group memberships stay;
  - spam tickets in status 'deleted' were purged from Tickets only: their transactions,
    custom field values and role groups stay, and two spam tickets merged into them keep
    pointing at them;
  - a DBA deleted some transactions, not their attachments;
  - a retired custom field (旧系统单号) was deleted, not its values;
  - an agent group (售后二组) was deleted from Groups and Principals, not its members;
  - an import script wrote a few Users rows without Principals.
Sentinels are no orphans: Owner = 6 (Nobody) means no owner, EffectiveId = 0 is a ticket whose
creation died before RT set it (no role groups, no transactions), ObjectCustomFields.ObjectId = 0
applies a field to every queue, Attachments.Parent = 0 is a top-level part.

Standard library only (plus the name lists and check-character helpers of scripts/gen_sample.py);
a fixed seed gives byte-identical output.
"""

import argparse
import base64
import datetime as dt
import json
import os
import quopri
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
import gen_sample as sample  # noqa: E402

RT_NAME = "youpinhui.example"          # RT's $rtname and the shop's mail domain
HOTLINE = "400-820-6688"
BOOT = dt.datetime(2021, 2, 22, 9, 0, 0)  # rt-setup-database
START = dt.datetime(2021, 3, 1, 0, 0, 0)
END = dt.datetime(2024, 6, 30, 0, 0, 0)
PURGE_BEFORE = dt.datetime(2023, 1, 1)    # the spam purge deleted older 'deleted' spam tickets
UNSET = "1970-01-01 00:00:00"             # how RT stores a date that is not set

RT_SYSTEM, RT_SYSTEM_EQUIV, EVERYONE, PRIVILEGED, UNPRIVILEGED, NOBODY = 1, 2, 3, 4, 5, 6

# Planted dirt (fixed counts; the data must hold at least --tickets 2000).
INVALID_PHONES = 66                 # too-short mobiles in Users.MobilePhone
DUP_EMAIL_GROUPS = (40, 2)          # 40 pairs and 2 triples: 86 rows in 42 groups
BAD_IDS = 25                        # resident IDs with a wrong check character
SPAM_PURGED = 120                   # spam tickets deleted from Tickets only
DELETED_TRANSACTIONS = 17
EFFECTIVE_ID_ZERO = 3
IMPORTED_WITHOUT_PRINCIPAL = 4
MERGED_INTO_PURGED = 2

SURNAMES = [("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
            ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
            ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"),
            ("罗", "luo"), ("高", "gao"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"),
            ("唐", "tang"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("曹", "cao"), ("彭", "peng")]
COMPOUND_SURNAMES = [("欧阳", "ouyang"), ("司马", "sima"), ("上官", "shangguan")]
GIVEN = [("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
         ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
         ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀英", "xiuying"),
         ("霞", "xia"), ("平", "ping"), ("建华", "jianhua"), ("志强", "zhiqiang"), ("晓燕", "xiaoyan"),
         ("海燕", "haiyan"), ("文静", "wenjing"), ("子涵", "zihan"), ("欣怡", "xinyi"), ("梓轩", "zixuan"),
         ("思雨", "siyu"), ("佳琪", "jiaqi"), ("雨桐", "yutong"), ("梦瑶", "mengyao"), ("浩然", "haoran"),
         ("一鸣", "yiming"), ("俊杰", "junjie"), ("宇航", "yuhang"), ("诗涵", "shihan"), ("博文", "bowen"),
         ("晨曦", "chenxi"), ("婷婷", "tingting"), ("鹏", "peng"), ("慧", "hui"), ("琳", "lin"),
         ("斌", "bin"), ("家豪", "jiahao"), ("嘉欣", "jiaxin"), ("若曦", "ruoxi"), ("子豪", "zihao")]
NICKS = ["小优", "小品", "小汇", "阿优", "豆豆", "糖糖", "橙子", "小鹿", "七七", "木木", "安安", "小满"]

QUEUES = [  # id, name, description, address local part (queue 1 is RT's own 'General')
    (1, "General", "The default queue", "general"),
    (2, "售前咨询", "商品、库存、优惠活动咨询", "presale"),
    (3, "订单与物流", "催发货、物流查询、签收问题", "order"),
    (4, "退换货", "退货、换货、退款、破损", "aftersale"),
    (5, "投诉与建议", "服务投诉、意见建议", "complaint"),
    (6, "会员与发票", "账号、积分、发票", "member"),
    (7, "Spam", "垃圾邮件", "spam"),
]
SPAM_QUEUE = 7
AGENT_GROUPS = [("售前组", "售前咨询"), ("售后一组", "退换货、退款"), ("售后二组", "退换货、退款（已撤销）"),
                ("物流组", "订单与物流"), ("投诉专员", "投诉处理"), ("质检组", "服务质检")]
DELETED_AGENT_GROUP = "售后二组"

CHANNELS = ["邮件", "网页", "电话", "微信", "APP"]
SATISFACTION = ["非常满意", "满意", "一般", "不满意", "非常不满意"]
CUSTOM_FIELDS = [  # id, name, type, max values, lookup type, pattern, description, applied to queue (0: all)
    (1, "订单号", "Freeform", 1, "RT::Queue-RT::Ticket", "^\\d{12}$", "商城订单号（12位）", [0]),
    (2, "渠道", "Select", 1, "RT::Queue-RT::Ticket", "", "客户联系渠道", [0]),
    (3, "满意度", "Select", 1, "RT::Queue-RT::Ticket", "", "结单后客户评价", [0]),
    (4, "身份证号", "Freeform", 1, "RT::User", "", "实名认证（跨境订单）", [0]),
    (5, "旧系统单号", "Freeform", 1, "RT::Queue-RT::Ticket", "", "迁移前客服系统的工单号", [3, 4]),
    (6, "退款金额", "Freeform", 1, "RT::Queue-RT::Ticket", "^\\d+(\\.\\d{1,2})?$", "元", [4]),
]
CF_ORDER, CF_CHANNEL, CF_SATISFACTION, CF_ID_NUMBER, CF_OLD_NUMBER, CF_REFUND = 1, 2, 3, 4, 5, 6

COLUMNS = {
    "Principals": ["id", "PrincipalType", "Disabled"],
    "Users": ["id", "Name", "Password", "Comments", "EmailAddress", "Organization", "RealName", "NickName",
              "Lang", "WorkPhone", "MobilePhone", "Address1", "City", "State", "Zip", "Country", "Timezone",
              "Creator", "Created", "LastUpdatedBy", "LastUpdated"],
    "Groups": ["id", "Name", "Description", "Domain", "Instance", "Creator", "Created", "LastUpdatedBy",
               "LastUpdated"],
    "GroupMembers": ["id", "GroupId", "MemberId", "Creator", "Created", "LastUpdatedBy", "LastUpdated"],
    "CachedGroupMembers": ["id", "GroupId", "MemberId", "Via", "ImmediateParentId", "Disabled"],
    "ACL": ["id", "PrincipalType", "PrincipalId", "RightName", "ObjectType", "ObjectId", "Creator", "Created",
            "LastUpdatedBy", "LastUpdated"],
    "Queues": ["id", "Name", "Description", "CorrespondAddress", "CommentAddress", "Lifecycle", "SortOrder",
               "Creator", "Created", "LastUpdatedBy", "LastUpdated", "SLADisabled", "Disabled"],
    "CustomFields": ["id", "Name", "Type", "MaxValues", "Pattern", "LookupType", "Description", "SortOrder",
                     "Creator", "Created", "LastUpdatedBy", "LastUpdated", "Disabled"],
    "ObjectCustomFields": ["id", "CustomField", "ObjectId", "SortOrder", "Creator", "Created", "LastUpdatedBy",
                           "LastUpdated"],
    "CustomFieldValues": ["id", "CustomField", "Name", "Description", "SortOrder", "Creator", "Created",
                          "LastUpdatedBy", "LastUpdated"],
    "Tickets": ["id", "EffectiveId", "IsMerged", "Queue", "Type", "Owner", "Subject", "InitialPriority",
                "FinalPriority", "Priority", "TimeEstimated", "TimeWorked", "Status", "TimeLeft", "Told", "Starts",
                "Started", "Due", "Resolved", "LastUpdatedBy", "LastUpdated", "Creator", "Created"],
    "Transactions": ["id", "ObjectType", "ObjectId", "TimeTaken", "Type", "Field", "OldValue", "NewValue",
                     "ReferenceType", "OldReference", "NewReference", "Data", "Creator", "Created"],
    "Attachments": ["id", "TransactionId", "Parent", "MessageId", "Subject", "Filename", "ContentType",
                    "ContentEncoding", "Content", "Headers", "Creator", "Created"],
    "ObjectCustomFieldValues": ["id", "CustomField", "ObjectType", "ObjectId", "SortOrder", "Content", "Creator",
                                "Created", "LastUpdatedBy", "LastUpdated", "Disabled"],
    "Links": ["id", "Base", "Target", "Type", "LocalTarget", "LocalBase", "LastUpdatedBy", "LastUpdated",
              "Creator", "Created"],
}

# The 13 relationships of issue 14, then others the data holds (reported, not scored):
# (table, column, ref table, ref column, type column, type value, sentinel values, planted by)
RELATIONSHIPS = [
    ("Tickets", "Queue", "Queues", "id", None, None, {}, "none planted"),
    ("Tickets", "Owner", "Users", "id", None, None, {NOBODY: "Nobody: no owner"},
     "tickets owned by the three deleted agents"),
    ("Tickets", "Creator", "Users", "id", None, None, {}, "phone tickets entered by the deleted agents"),
    ("Tickets", "EffectiveId", "Tickets", "id", None, None, {0: "creation died before RT set it"},
     "spam tickets merged into purged spam tickets"),
    ("Transactions", "ObjectId", "Tickets", "id", "ObjectType", "RT::Ticket", {}, "transactions of purged tickets"),
    ("Transactions", "Creator", "Users", "id", None, None, {RT_SYSTEM: "RT_System: done by RT itself"},
     "transactions of the deleted agents"),
    ("Attachments", "TransactionId", "Transactions", "id", None, None, {}, "attachments of deleted transactions"),
    ("ObjectCustomFieldValues", "CustomField", "CustomFields", "id", None, None, {},
     "values of the deleted custom field 旧系统单号"),
    ("ObjectCustomFieldValues", "ObjectId", "Tickets", "id", "ObjectType", "RT::Ticket", {},
     "custom field values of purged tickets"),
    ("Users", "id", "Principals", "id", None, None, {}, "users written by an import script without principals"),
    ("GroupMembers", "GroupId", "Groups", "id", None, None, {}, "members of the deleted agent group"),
    ("GroupMembers", "MemberId", "Principals", "id", None, None, {NOBODY: "Nobody: the Owner role of an unowned ticket"},
     "memberships of the deleted agents"),
    ("Groups", "Instance", "Tickets", "id", "Domain", "RT::Ticket-Role", {}, "role groups of purged tickets"),
]
OTHER_RELATIONSHIPS = [
    ("Tickets", "LastUpdatedBy", "Users", "id", None, None, {}, ""),
    ("Transactions", "ObjectId", "Users", "id", "ObjectType", "RT::User", {}, ""),
    ("Transactions", "ObjectId", "Groups", "id", "ObjectType", "RT::Group", {}, ""),
    ("Transactions", "ObjectId", "Queues", "id", "ObjectType", "RT::Queue", {}, ""),
    ("Attachments", "Parent", "Attachments", "id", None, None, {0: "top-level part"}, ""),
    ("Attachments", "Creator", "Users", "id", None, None, {}, ""),
    ("ObjectCustomFieldValues", "ObjectId", "Users", "id", "ObjectType", "RT::User", {}, ""),
    ("ObjectCustomFields", "CustomField", "CustomFields", "id", None, None, {}, ""),
    ("ObjectCustomFields", "ObjectId", "Queues", "id", None, None, {0: "every queue"}, ""),
    ("CustomFieldValues", "CustomField", "CustomFields", "id", None, None, {}, ""),
    ("Groups", "id", "Principals", "id", None, None, {}, ""),
    ("Groups", "Instance", "Queues", "id", "Domain", "RT::Queue-Role", {}, ""),
    ("Groups", "Instance", "Users", "id", "Domain", "ACLEquivalence", {}, ""),
    ("CachedGroupMembers", "GroupId", "Groups", "id", None, None, {}, ""),
    ("CachedGroupMembers", "MemberId", "Principals", "id", None, None, {}, ""),
    ("Links", "LocalBase", "Tickets", "id", None, None, {0: "not a local ticket"}, ""),
    ("Links", "LocalTarget", "Tickets", "id", None, None, {0: "not a local ticket"}, ""),
]


def ts(t):
    return t.strftime("%Y-%m-%d %H:%M:%S")


class Rng(random.Random):
    def pick(self, pairs):
        """One of [(value, weight), …]."""
        x = self.random() * sum(w for _, w in pairs)
        for v, w in pairs:
            x -= w
            if x < 0:
                return v
        return pairs[-1][0]


class Table:
    def __init__(self, name):
        self.name = name
        self.columns = COLUMNS[name]
        self.index = {c: i for i, c in enumerate(self.columns)}
        self.rows = []

    def add(self, **values):
        unknown = set(values) - set(self.index)
        assert not unknown, (self.name, unknown)
        self.rows.append([values.get(c) for c in self.columns])
        return self.rows[-1]

    def next_id(self):
        return len(self.rows) + 1

    def col(self, row, name):
        return row[self.index[name]]

    def set(self, row, name, value):
        row[self.index[name]] = value


class Helpdesk:
    """The RT database being written, with RT's own bookkeeping for users, groups and tickets."""

    def __init__(self, seed):
        self.seed = seed
        self.t = {name: Table(name) for name in COLUMNS}
        self.used_mobiles = set()
        self.used_emails = set()
        self.used_names = set()

    def rng(self, purpose):
        return Rng("rt5/%d/%s" % (self.seed, purpose))

    # --- principals, groups, users (lib/RT/Group.pm _Create, GroupMember.pm, User.pm Create)
    def principal(self, kind):
        pid = self.t["Principals"].next_id()
        self.t["Principals"].add(id=pid, PrincipalType=kind, Disabled=0)
        return pid

    def txn(self, object_type, object_id, kind, creator, when, **more):
        tid = self.t["Transactions"].next_id()
        self.t["Transactions"].add(id=tid, ObjectType=object_type, ObjectId=object_id, TimeTaken=more.pop("TimeTaken", 0),
                                   Type=kind, Creator=creator, Created=ts(when), **more)
        return tid

    def group(self, domain, name, instance, description, creator, when, record=True):
        gid = self.principal("Group")
        self.t["Groups"].add(id=gid, Name=name, Description=description, Domain=domain, Instance=instance,
                             Creator=creator, Created=ts(when), LastUpdatedBy=creator, LastUpdated=ts(when))
        cgm = self.t["CachedGroupMembers"].next_id()
        self.t["CachedGroupMembers"].add(id=cgm, GroupId=gid, MemberId=gid, Via=cgm, ImmediateParentId=gid, Disabled=0)
        if record:
            self.txn("RT::Group", gid, "Create", creator, when)
        return gid

    def add_member(self, gid, member, creator, when):
        self.t["GroupMembers"].add(id=self.t["GroupMembers"].next_id(), GroupId=gid, MemberId=member, Creator=creator,
                                   Created=ts(when), LastUpdatedBy=creator, LastUpdated=ts(when))
        cgm = self.t["CachedGroupMembers"].next_id()
        self.t["CachedGroupMembers"].add(id=cgm, GroupId=gid, MemberId=member, Via=cgm, ImmediateParentId=gid,
                                         Disabled=0)

    def user(self, fields, privileged, creator, when):
        """fields: the Users columns besides id/Creator/Created…; privileged None for RT_System's bootstrap."""
        uid = self.principal("User")
        assert fields["Name"].lower() not in self.used_names, fields["Name"]
        self.used_names.add(fields["Name"].lower())
        row = self.t["Users"].add(id=uid, Creator=creator, Created=ts(when), LastUpdatedBy=creator,
                                  LastUpdated=ts(when), **fields)
        equiv = self.group("ACLEquivalence", "UserEquiv", uid, "ACL equiv. for user %d" % uid, creator, when,
                           record=False)
        self.add_member(equiv, uid, creator, when)
        if privileged is not None:
            self.add_member(EVERYONE, uid, creator, when)
            self.add_member(PRIVILEGED if privileged else UNPRIVILEGED, uid, creator, when)
            self.txn("RT::User", uid, "Create", creator, when)
        return uid, row

    # --- unique personal values
    def mobile(self, r):
        while True:
            m = r.choice(sample.MOBILE_PREFIXES) + "%08d" % r.randrange(10 ** 8)
            if m not in self.used_mobiles:
                self.used_mobiles.add(m)
                return m

    def email(self, r, pinyin):
        while True:
            style = r.random()
            if style < 0.5:
                local = pinyin[0] + pinyin[1] + str(r.choice([r.randint(1, 99), r.randint(1970, 2005)]))
            elif style < 0.75:
                local = pinyin[1] + "." + pinyin[0] + str(r.randint(1, 999))
            else:
                local = r.choice(sample.EMAIL_HANDLES) + str(r.randint(100, 99999))
            e = local + "@" + r.choice(sample.EMAIL_DOMAINS)
            if e not in self.used_emails:
                self.used_emails.add(e)
                return e


def chinese_name(r):
    surname = r.choice(COMPOUND_SURNAMES) if r.random() < 0.02 else r.choice(SURNAMES)
    given = r.choice(GIVEN)
    return surname[0] + given[0], (surname[1], given[1])


def format_mobile(r, m):
    """How a mobile number is typed into a form: all valid forms of RELIABILITY's pattern."""
    return r.pick([(m, 70), ("+86 " + m, 12), ("%s-%s-%s" % (m[:3], m[3:7], m[7:]), 10),
                   ("+86-%s-%s-%s" % (m[:3], m[3:7], m[7:]), 5), ("%s %s %s" % (m[:3], m[3:7], m[7:]), 3)])


def too_short(r, m):
    """A mobile with one digit lost, as typed."""
    cut = r.randrange(3, 11)
    short = m[:cut] + m[cut + 1:]
    return r.pick([(short, 60), ("+86 " + short, 20), ("%s-%s-%s" % (short[:3], short[3:7], short[7:]), 20)])


def resident_id(r):
    region = r.choice(sample.ID_REGIONS)
    birth = dt.date(r.randint(1960, 2004), 1, 1) + dt.timedelta(days=r.randrange(365))
    body = region + birth.strftime("%Y%m%d") + "%03d" % r.randrange(1, 1000)
    return body + sample.id_check_char(body)


# ---------------------------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------------------------

SCENARIOS = {  # queue, weight, subject, first message, agent reply, priority
    "presale": (2, 18, "咨询：{product}", "你好，请问{product}{question}", "您好，{product}目前有现货，下单后48小时内发货，支持七天无理由退货。", 0),
    "urge": (3, 20, "订单{order}还没发货", "我{days}天前下的订单{order}，到现在还没发货，能不能快点？", "您好，非常抱歉让您久等了。订单{order}已安排优先发货，预计今天由{carrier}发出。", 50),
    "logistics": (3, 16, "订单{order}物流不更新", "订单{order}的{carrier}快递，运单号{waybill}，三天没有物流更新了。", "您好，已联系{carrier}核实，包裹在{city}中转站滞留，预计明天派送。", 50),
    "damage": (4, 9, "收到的{product}有破损", "今天收到{product}，外包装破了，商品有明显损坏，附上照片，要求换货。", "您好，很抱歉给您带来不好的体验。已为您登记换货，请将商品寄回：{return_addr}，运费由我们承担。", 50),
    "refund": (4, 12, "申请退款：订单{order}", "订单{order}不想要了，申请退款，请尽快处理。", "您好，退款申请已受理，款项将在1-3个工作日内原路退回。", 50),
    "complaint": (5, 5, "投诉：{topic}", "{topic}，非常不满意，希望给个说法。", "您好，非常抱歉给您带来困扰，我们已核实情况，将对相关人员进行处理，并为您补偿20元无门槛优惠券。", 100),
    "invoice": (6, 6, "订单{order}开发票", "请帮我开具订单{order}的增值税普通发票，抬头：{company}，税号：{uscc}。", "您好，电子发票已开具，稍后将发送到您的邮箱，请注意查收。", 0),
    "account": (6, 6, "{account_issue}", "你好，{account_issue}，麻烦帮忙处理一下。", "您好，已为您处理完毕，请重新登录查看。", 0),
    "general": (1, 3, "您好", "你好，想问一下你们的客服工作时间是几点到几点？", "您好，在线客服工作时间为每天9:00-22:00，客服热线" + HOTLINE + "。", 0),
    "spam": (SPAM_QUEUE, 5, "{spam_subject}", "{spam_body}", "", 0),
}
QUESTIONS = ["有现货吗？", "支持七天无理由退货吗？", "什么时候能发货？", "有没有优惠券？", "和上一代有什么区别？", "可以开发票吗？"]
TOPICS = ["客服回复太慢", "快递员态度差", "商品与描述不符", "退款迟迟不到账", "客服电话一直打不通"]
ACCOUNT_ISSUES = ["会员积分未到账", "账号无法登录", "修改绑定手机号", "优惠券无法使用", "申请注销账号"]
SPAM = [("兼职刷单日结200元", "兼职刷单，日结200-500，加微信详聊，手机{mobile}"),
        ("【推广】低价代开各类发票", "低价代开各类发票，联系电话{mobile}"),
        ("您的邮箱即将停用", "您的邮箱空间已满，请点击链接验证，否则将被停用。")]
COMPANIES = ["上海云杉信息科技有限公司", "深圳市前海微光电子有限公司", "杭州禾木文化传媒有限公司", "成都锦城餐饮管理有限公司",
             "北京星河教育咨询有限公司"]
CUSTOMER_FOLLOWUPS = ["好的，谢谢。", "还是没有收到，请再帮忙看一下。", "已经寄回了，快递单号{waybill}。", "收到退款了，谢谢！",
                      "能不能快一点？我明天要用。", "我的手机号是{mobile_text}，有问题可以直接打给我。"]
AGENT_FOLLOWUPS = ["您好，已为您再次催促仓库，请耐心等待。", "您好，请问问题是否已经解决？如无其他问题，我们将关闭此工单。",
                   "您好，已收到您寄回的商品，正在为您安排换货。", "您好，补发的包裹已发出，运单号{waybill}。"]
COMMENTS = ["已联系仓库，明天补发。", "客户情绪激动，注意安抚。", "需财务审核退款。", "顺丰已登记理赔。", "重复工单，已合并。",
            "老客户，优先处理。"]


def fill(template, ctx):
    return template.format(**ctx) if "{" in template else template


def message_parts(r, text, html_share, image_share):
    """The MIME tree RT stores for one message: [(parent index or None, content type, encoding, content, filename)]."""
    x = r.random()
    if x < image_share:
        raw = b"\x89PNG\r\n\x1a\n" + bytes(r.randrange(256) for _ in range(r.randint(300, 900)))
        b64 = base64.encodebytes(raw).decode("ascii")
        name = r.choice(["破损照片.png", "IMG_%d.png" % r.randint(1000, 9999), "截图.png"])
        return [(None, "multipart/mixed", None, None, None), (0, "text/plain", "none", text, None),
                (0, "image/png", "base64", b64, name)]
    if x < image_share + html_share:
        html = "<html><body>" + "".join("<p>%s</p>" % line for line in text.split("\n") if line) + "</body></html>"
        return [(None, "multipart/alternative", None, None, None), (0, "text/plain", "none", text, None),
                (0, "text/html", "none", html, None)]
    if x < image_share + html_share + 0.03:
        qp = quopri.encodestring(text.encode("utf-8")).decode("ascii")
        return [(None, "text/plain", "quoted-printable", qp, None)]
    return [(None, "text/plain", "none", text, None)]


def headers(content_type, subject, sender, when, message_id, web):
    lines = ["MIME-Version: 1.0", 'Content-Type: %s; charset="utf-8"' % content_type if content_type.startswith("text/")
             else "Content-Type: %s" % content_type, "Subject: %s" % subject, "From: %s" % sender,
             "Date: %s" % (when + dt.timedelta(hours=8)).strftime("%a, %d %b %Y %H:%M:%S +0800"),
             "Message-ID: %s" % message_id]
    if web:
        lines.append("X-RT-Interface: Web")
    lines.append("X-RT-Original-Encoding: utf-8")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# The helpdesk's history
# ---------------------------------------------------------------------------------------------

def bootstrap(h):
    """RT's own rows: lib/RT/Handle.pm InsertInitialData and etc/initialdata."""
    uid, _ = h.user({"Name": "RT_System", "RealName": "The RT System itself",
                     "Comments": "Do not delete or modify this user. It is integral to RT's internal database structures",
                     "Password": "*NO-PASSWORD*"}, None, RT_SYSTEM, BOOT)
    assert uid == RT_SYSTEM and h.t["Groups"].rows[-1][0] == RT_SYSTEM_EQUIV
    for name in ("Everyone", "Privileged", "Unprivileged"):
        h.group("SystemInternal", name, 0, "Pseudogroup for internal use", RT_SYSTEM, BOOT)
    uid, _ = h.user({"Name": "Nobody", "RealName": "Nobody in particular", "Password": "*NO-PASSWORD*",
                     "Comments": "Do not delete or modify this user. It is integral to RT's internal data structures"},
                    False, RT_SYSTEM, BOOT)
    assert uid == NOBODY
    for role in ("Owner", "Requestor", "Cc", "AdminCc"):
        gid = h.group("RT::System-Role", role, 1, None, RT_SYSTEM, BOOT)
        if role == "Owner":
            h.add_member(gid, NOBODY, RT_SYSTEM, BOOT)
    root, _ = h.user({"Name": "root", "RealName": "Enoch Root", "EmailAddress": "root@" + RT_NAME,
                      "Password": "!bcrypt!12!" + "x" * 53, "Lang": "zh_CN", "Timezone": "Asia/Shanghai"},
                     True, RT_SYSTEM, BOOT)
    acl = h.t["ACL"]
    grants = [("Group", RT_SYSTEM_EQUIV, "SuperUser"), ("User", NOBODY, "OwnTicket"),
              ("Group", EVERYONE, "CreateTicket"), ("Group", EVERYONE, "ReplyToTicket"),
              ("Group", PRIVILEGED, "OwnTicket"), ("Group", PRIVILEGED, "ShowTicket"),
              ("Group", PRIVILEGED, "ModifyTicket"), ("Group", PRIVILEGED, "CommentOnTicket"),
              ("Group", root + 1, "SuperUser")]
    for kind, principal, right in grants:
        acl.add(id=acl.next_id(), PrincipalType=kind, PrincipalId=principal, RightName=right, ObjectType="RT::System",
                ObjectId=1, Creator=RT_SYSTEM, Created=ts(BOOT), LastUpdatedBy=RT_SYSTEM, LastUpdated=ts(BOOT))
    return root


def setup_shop(h, root):
    """Queues, custom fields, agents and their groups, as the shop's admin set them up."""
    r = h.rng("setup")
    when = BOOT + dt.timedelta(hours=2)
    for qid, name, desc, local in QUEUES:
        creator = RT_SYSTEM if qid == 1 else root
        h.t["Queues"].add(id=qid, Name=name, Description=desc, CorrespondAddress="%s@%s" % (local, RT_NAME),
                          CommentAddress="%s-comment@%s" % (local, RT_NAME), Lifecycle="default", SortOrder=0,
                          Creator=creator, Created=ts(when), LastUpdatedBy=creator, LastUpdated=ts(when),
                          SLADisabled=1, Disabled=0)
        h.txn("RT::Queue", qid, "Create", creator, when)
        for role in ("Cc", "AdminCc"):
            h.group("RT::Queue-Role", role, qid, None, creator, when)
    for cf_id, name, kind, max_values, lookup, pattern, desc, queues in CUSTOM_FIELDS:
        h.t["CustomFields"].add(id=cf_id, Name=name, Type=kind, MaxValues=max_values, Pattern=pattern,
                                LookupType=lookup, Description=desc, SortOrder=cf_id, Creator=root, Created=ts(when),
                                LastUpdatedBy=root, LastUpdated=ts(when), Disabled=0)
        for q in queues:
            ocf = h.t["ObjectCustomFields"]
            ocf.add(id=ocf.next_id(), CustomField=cf_id, ObjectId=q, SortOrder=cf_id, Creator=root, Created=ts(when),
                    LastUpdatedBy=root, LastUpdated=ts(when))
        for i, value in enumerate({CF_CHANNEL: CHANNELS, CF_SATISFACTION: SATISFACTION}.get(cf_id, [])):
            cfv = h.t["CustomFieldValues"]
            cfv.add(id=cfv.next_id(), CustomField=cf_id, Name=value, SortOrder=i, Creator=root, Created=ts(when),
                    LastUpdatedBy=root, LastUpdated=ts(when))

    groups = {}
    for name, desc in AGENT_GROUPS:
        groups[name] = h.group("UserDefined", name, 0, desc, root, when)
    agents = []
    used_logins = set()
    for i in range(40):
        name, py = chinese_name(r)
        login = "%s.%s" % (py[1], py[0])
        while login in used_logins:
            login = "%s.%s%d" % (py[1], py[0], r.randint(2, 9))
        used_logins.add(login)
        left = i in (5, 17, 29)  # the three who left in 2021 (their rows are deleted later)
        hired = START - dt.timedelta(days=3) if i < 30 or left else \
            START + dt.timedelta(days=r.randint(120, 900))
        m = h.mobile(r)
        fields = {"Name": login, "RealName": name, "NickName": "%s-%s" % (r.choice(NICKS), name[-1]),
                  "EmailAddress": "%s@%s" % (login, RT_NAME), "Password": "!bcrypt!12!" + "%053x" % r.getrandbits(212),
                  "Lang": "zh_CN", "Timezone": "Asia/Shanghai", "Organization": "优品汇客服中心",
                  "WorkPhone": "0571-8888%04d" % (6000 + i), "MobilePhone": format_mobile(r, m)}
        uid, _ = h.user(fields, True, root, hired)
        group = ["售前组", "售后一组", "售后二组", "物流组", "投诉专员", "质检组"][i % 6] if not left else "售后二组"
        h.add_member(groups[group], uid, root, hired)
        h.txn("RT::Group", groups[group], "AddMember", root, hired, Field=None, NewValue=str(uid))
        agents.append({"id": uid, "name": name, "nick": fields["NickName"], "left": left, "hired": hired,
                       "until": dt.datetime(2021, 7, 1) if left else END, "weight": 0.5 if left else 1.0})
    return agents, groups


class CustomerPool:
    """Customers appear with their first ticket; a third of tickets come from returning customers."""

    def __init__(self, h):
        self.h = h
        self.r = h.rng("customers")
        self.all = []

    def pick(self, when, channel, agent):
        if self.all and self.r.random() < 0.33:
            return self.r.choice(self.all)
        return self.create(when, channel, agent)

    def create(self, when, channel, agent, returning=True):
        r, h = self.r, self.h
        name, py = chinese_name(r)
        m = h.mobile(r)
        has_mobile = channel == "电话" or r.random() < 0.45
        email = h.email(r, py) if channel in ("邮件", "网页") or r.random() < 0.4 else None
        if channel in ("邮件", "网页"):
            login = email
        elif channel == "电话":
            login = m
        elif channel == "微信":
            login = "wx_o" + "".join(r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
                                     for _ in range(27))
        else:
            login = "app_%08d" % r.randrange(10 ** 8)
        fields = {"Name": login, "RealName": name if r.random() < 0.9 else None, "EmailAddress": email,
                  "MobilePhone": format_mobile(r, m) if has_mobile else None, "Password": "*NO-PASSWORD*"}
        if r.random() < 0.3:
            province, city, district = r.choice(sample.PLACES)[:3]
            fields.update({"Address1": district + sample.new_street(r), "City": city, "State": province,
                           "Zip": "%06d" % r.randint(100000, 850000), "Country": "中国"})
        if r.random() < 0.03:
            fields["Organization"] = r.choice(COMPANIES)
        creator = agent if channel == "电话" else RT_SYSTEM
        uid, row = h.user(fields, False, creator, when - dt.timedelta(seconds=1))
        c = {"id": uid, "row": row, "name": name, "mobile": m if has_mobile else None, "email": email,
             "channel": channel}
        if returning:
            self.all.append(c)
        return c


def pick_agent(r, agents, when):
    active = [a for a in agents if a["hired"] <= when and (when < a["until"] or not a["left"])]
    return r.pick([(a, a["weight"]) for a in active])


def run_tickets(h, agents, n):
    r = h.rng("tickets")
    pool = CustomerPool(h)
    created = sorted(START + dt.timedelta(seconds=r.randrange(int((END - START).total_seconds())))
                     for _ in range(n))
    broken = set(n * (k + 1) // (EFFECTIVE_ID_ZERO + 1) for k in range(EFFECTIVE_ID_ZERO))
    tickets = []
    for tid, when in enumerate(created, start=1):
        kind = r.pick([(k, v[1]) for k, v in SCENARIOS.items()])
        tickets.append(one_ticket(h, r, pool, agents, tid, kind, when, tid in broken))
    return tickets, pool.all


def one_ticket(h, r, pool, agents, tid, kind, when, broken):
    queue, _, subject_t, first_t, reply_t, priority = SCENARIOS[kind]
    channel = "邮件" if kind == "spam" else r.pick([("邮件", 35), ("网页", 25), ("电话", 15), ("微信", 15), ("APP", 10)])
    agent = pick_agent(r, agents, when)
    customer = pool.create(when, "邮件", None, returning=False) if kind == "spam" else \
        pool.pick(when, channel, agent["id"])
    product = r.choice(sample.PRODUCTS)[1]
    carrier_code, carrier = r.choice(sample.CARRIERS)[:2]
    order = "%d%011d" % (r.randint(2, 6), r.randrange(10 ** 11))
    spam_subject, spam_body = r.choice(SPAM)
    ctx = {"product": product, "question": r.choice(QUESTIONS), "order": order, "days": r.randint(3, 9),
           "carrier": carrier, "waybill": carrier_code + "%012d" % r.randrange(10 ** 12), "city": r.choice(sample.PLACES)[1],
           "return_addr": "浙江省杭州市余杭区文一西路1888号 优品汇退货仓", "topic": r.choice(TOPICS),
           "company": r.choice(COMPANIES), "uscc": sample.new_credit_code(r, "330110"),
           "account_issue": r.choice(ACCOUNT_ISSUES), "spam_subject": spam_subject,
           "spam_body": spam_body.format(mobile=h.mobile(r)),
           "mobile_text": customer["mobile"] or "（未留）"}
    subject = fill(subject_t, ctx)
    by_agent = channel == "电话"
    creator = agent["id"] if by_agent else customer["id"]
    t = {"id": tid, "kind": kind, "queue": queue, "owner": NOBODY, "creator": creator, "customer": customer,
         "created": when, "subject": subject, "status": "new", "effective": tid, "merged": None,
         "priority": priority, "started": None, "resolved": None, "told": None, "worked": 0, "last": (when, creator),
         "order": order if "{order}" in subject_t + first_t or kind in ("damage", "refund") else None,
         "channel": channel, "agent": agent}
    row = h.t["Tickets"].add(id=tid, EffectiveId=0, Queue=queue, Type="ticket", Owner=NOBODY, Subject=subject,
                             InitialPriority=priority, FinalPriority=100 if priority else 0, Priority=priority,
                             TimeEstimated=0, TimeWorked=0, Status="new", TimeLeft=0, Told=UNSET, Starts=UNSET,
                             Started=UNSET, Due=UNSET, Resolved=UNSET, Creator=creator, Created=ts(when))
    t["row"] = row
    t["broken"] = broken
    if broken:  # the process died after the INSERT: no EffectiveId, no role groups, no transactions
        finish_ticket(h, t)
        return t
    h.t["Tickets"].set(row, "EffectiveId", tid)
    roles = {}
    for role in ("Requestor", "Cc", "AdminCc", "Owner"):
        roles[role] = h.group("RT::Ticket-Role", role, tid, None, creator, when)
    t["roles"] = roles
    h.add_member(roles["Requestor"], customer["id"], creator, when)
    if by_agent:
        t["owner"] = agent["id"]
    h.add_member(roles["Owner"], t["owner"], creator, when)
    if r.random() < 0.04 and kind != "spam":
        cc = pool.create(when, "邮件", None)
        h.add_member(roles["Cc"], cc["id"], creator, when)
    first = fill(first_t, ctx)
    if by_agent:
        first = "来电记录：客户%s来电，%s" % (customer["name"], first)
    elif kind != "spam" and r.random() < 0.5:
        first = "您好：\n\n" + first + "\n\n" + customer["name"]
    message(h, r, t, "Create", creator, when, first, agent=agent if by_agent else None, web=channel != "邮件")
    cf(h, t, CF_CHANNEL, channel, creator, when)
    if t["order"]:
        cf(h, t, CF_ORDER, order, creator, when)
    if kind == "spam":
        spam_life(h, r, t, when)
    else:
        work(h, r, t, agents, fill(reply_t, ctx), ctx, when)
    finish_ticket(h, t)
    return t


def cf(h, t, field, value, creator, when, object_type="RT::Ticket", disabled=0):
    ocfv = h.t["ObjectCustomFieldValues"]
    vid = ocfv.next_id()
    ocfv.add(id=vid, CustomField=field, ObjectType=object_type, ObjectId=t["id"], SortOrder=0, Content=value,
             Creator=creator, Created=ts(when), LastUpdatedBy=creator, LastUpdated=ts(when), Disabled=disabled)
    return vid


def message(h, r, t, kind, creator, when, text, agent=None, sign=False, web=True, data=None):
    """A Create/Correspond/Comment transaction with its attachments (RT::Transaction Create with MIMEObj);
    agent: the agent who wrote it (None: the customer), sign: with the agent's signature."""
    tid = h.txn("RT::Ticket", t["id"], kind, creator, when, Data=data, TimeTaken=r.randint(1, 15) if agent else 0)
    if sign:
        text = text + "\n\n优品汇客服中心 %s\n客服热线：%s" % (agent["nick"], HOTLINE)
    subject = t["subject"] if kind == "Create" else "Re: [%s #%d] %s" % (RT_NAME, t["id"], t["subject"])
    if agent:
        sender = "%s <%s@%s>" % (agent["name"], "service", RT_NAME)
        message_id = "<rt-5.0.3-%d-%d-%d.%d-%d-0@%s>" % (r.randint(1000, 99999), int(when.timestamp()),
                                                         r.randint(10, 99), t["id"], r.randint(1, 9), RT_NAME)
        parts = message_parts(r, text, 0.35 if web else 0.1, 0.0)
    else:
        c = t["customer"]
        sender = "%s <%s>" % (c["name"], c["email"] or "noreply@" + RT_NAME)
        message_id = "<%s@mail.%s>" % ("%016x" % r.getrandbits(64), (c["email"] or "x@app").split("@")[1])
        parts = message_parts(r, text, 0.25, 0.08 if t["kind"] == "damage" else 0.02)
    att = h.t["Attachments"]
    ids = []
    for parent, ctype, encoding, content, filename in parts:
        aid = att.next_id()
        ids.append(aid)
        top = parent is None
        att.add(id=aid, TransactionId=tid, Parent=0 if top else ids[parent], MessageId=message_id if top else None,
                Subject=subject if top else None, Filename=filename, ContentType=ctype, ContentEncoding=encoding,
                Content=content, Headers=headers(ctype, subject, sender, when, message_id, web and top),
                Creator=creator, Created=ts(when))
    t["last"] = (when, creator)
    return tid


def status(h, t, new, creator, when):
    h.txn("RT::Ticket", t["id"], "Status", creator, when, Field="Status", OldValue=t["status"], NewValue=new)
    t["status"] = new
    t["last"] = (when, creator)
    if new == "open" and not t["started"]:
        t["started"] = when
    if new in ("resolved", "rejected"):
        t["resolved"] = when


def work(h, r, t, agents, reply, ctx, when):
    agent = t["agent"]
    when += dt.timedelta(minutes=r.randint(10, 30 * 60))
    if t["owner"] == NOBODY:
        if r.random() < 0.03:
            return  # still new, nobody took it
        h.txn("RT::Ticket", t["id"], "Set", agent["id"], when, Field="Owner", OldValue=str(NOBODY),
              NewValue=str(agent["id"]))
        set_owner(h, t, agent["id"])
    if t["priority"] == 0 and r.random() < 0.06:
        h.txn("RT::Ticket", t["id"], "Set", agent["id"], when, Field="Priority", OldValue="0", NewValue="50")
        t["priority"] = 50
    if r.random() < 0.02:
        supervisor = pick_agent(r, agents, when)
        h.add_member(t["roles"]["AdminCc"], supervisor["id"], agent["id"], when)
        h.txn("RT::Ticket", t["id"], "AddWatcher", agent["id"], when, Field="AdminCc", NewValue=str(supervisor["id"]))
    message(h, r, t, "Correspond", agent["id"], when, reply, agent, sign=True, data="Re: " + t["subject"])
    status(h, t, "open", agent["id"], when)  # RT's scrip "On Correspond Open Inactive Tickets"
    t["worked"] += 10
    for _ in range(r.pick([(0, 40), (1, 35), (2, 18), (3, 7)])):
        when += dt.timedelta(minutes=r.randint(30, 48 * 60))
        text = fill(r.choice(CUSTOMER_FOLLOWUPS), ctx)
        message(h, r, t, "Correspond", t["customer"]["id"], when, text, web=t["channel"] != "邮件",
                data="Re: " + t["subject"])
        t["told"] = when
        when += dt.timedelta(minutes=r.randint(5, 24 * 60))
        if r.random() < 0.2:
            message(h, r, t, "Comment", agent["id"], when, r.choice(COMMENTS), agent)
        message(h, r, t, "Correspond", agent["id"], when, fill(r.choice(AGENT_FOLLOWUPS), ctx), agent, sign=True,
                data="Re: " + t["subject"])
        t["worked"] += 5
    when += dt.timedelta(minutes=r.randint(60, 72 * 60))
    end = r.pick([("resolved", 84), ("stalled", 4), ("open", 5), ("rejected", 3), ("pending_refund", 2.5),
                  ("待客户确认", 1.5)])
    if end == "resolved" and r.random() < 0.15:
        status(h, t, "resolved", RT_SYSTEM, when)  # closed by rt-crontool after 7 days without an answer
    elif end != "open":
        status(h, t, end, agent["id"], when)
    if t["kind"] == "refund" and r.random() < 0.7:
        cf(h, t, CF_REFUND, "%d.%02d" % (r.randint(20, 600), r.choice([0, 0, 90, 50])), agent["id"], when)
    if t["status"] == "resolved" and r.random() < 0.45:
        later = when + dt.timedelta(hours=r.randint(1, 48))
        value = r.pick([(s, w) for s, w in zip(SATISFACTION, (45, 35, 12, 5, 3))])
        vid = cf(h, t, CF_SATISFACTION, value, t["customer"]["id"], later)
        h.txn("RT::Ticket", t["id"], "CustomField", t["customer"]["id"], later, Field=str(CF_SATISFACTION),
              NewValue=value, ReferenceType="RT::ObjectCustomFieldValue", NewReference=vid)
        t["last"] = (later, t["customer"]["id"])


def set_owner(h, t, owner):
    """The Owner role holds one member: RT replaces Nobody's membership by the new owner's."""
    gm, cgm = h.t["GroupMembers"], h.t["CachedGroupMembers"]
    for table in (gm, cgm):
        for row in reversed(table.rows):
            if table.col(row, "GroupId") == t["roles"]["Owner"] and table.col(row, "MemberId") == t["owner"] and \
                    table.col(row, "MemberId") != table.col(row, "GroupId"):
                table.set(row, "MemberId", owner)
                break
    t["owner"] = owner


def spam_life(h, r, t, when):
    """An agent deletes it: status 'deleted' (merge() later rejects two of them instead)."""
    agent = t["agent"]
    when += dt.timedelta(minutes=r.randint(5, 8 * 60))
    status(h, t, "deleted", agent["id"], when)


def finish_ticket(h, t):
    T = h.t["Tickets"]
    row = t["row"]
    T.set(row, "Owner", t["owner"])
    T.set(row, "Status", t["status"])
    T.set(row, "Priority", t["priority"])
    T.set(row, "TimeWorked", t["worked"])
    for col, key in (("Started", "started"), ("Resolved", "resolved"), ("Told", "told")):
        if t[key]:
            T.set(row, col, ts(t[key]))
    T.set(row, "LastUpdated", ts(t["last"][0]))
    T.set(row, "LastUpdatedBy", t["last"][1])


def merge(h, r, tickets):
    """Duplicate tickets of one customer merged into the earlier one (lib/RT/Ticket.pm _MergeInto),
    and spam merged into earlier spam, two of them into spam that the purge will delete."""
    by_customer = {}
    merged = 0
    for t in tickets:
        if t["broken"]:
            continue
        key = t["customer"]["id"]
        first = by_customer.setdefault(key, t)
        if first is not t and t["kind"] != "spam" and first["effective"] == first["id"] and r.random() < 0.12:
            merge_into(h, r, t, first)
            merged += 1
    spam = [t for t in tickets if t["kind"] == "spam" and not t["broken"]]
    purged = [t for t in spam if t["created"] < PURGE_BEFORE][:SPAM_PURGED]
    later = [t for t in spam if t["created"] >= PURGE_BEFORE]
    for t, target in zip(later[:MERGED_INTO_PURGED], purged):
        merge_into(h, r, t, target)
        status(h, t, "rejected", t["agent"]["id"], t["created"] + dt.timedelta(hours=9))
        finish_ticket(h, t)
    return purged


def merge_into(h, r, t, target):
    when = max(t["last"][0], target["created"]) + dt.timedelta(minutes=r.randint(5, 120))
    agent = t["agent"]["id"]
    T = h.t["Tickets"]
    T.set(t["row"], "EffectiveId", target["id"])
    T.set(t["row"], "IsMerged", 1)
    t["effective"] = target["id"]
    links = h.t["Links"]
    base, target_uri = ("fsck.com-rt://%s/ticket/%d" % (RT_NAME, x) for x in (t["id"], target["id"]))
    links.add(id=links.next_id(), Base=base, Target=target_uri, Type="MergedInto", LocalBase=t["id"],
              LocalTarget=target["id"], Creator=agent, Created=ts(when), LastUpdatedBy=agent, LastUpdated=ts(when))
    h.txn("RT::Ticket", t["id"], "AddLink", agent, when, Field="MergedInto", NewValue=target_uri)
    t["last"] = (when, agent)
    finish_ticket(h, t)


def customer_dirt(h, customers):
    """Resident IDs on some customers; then the planted dirt: too-short mobiles and duplicate e-mails."""
    r = h.rng("customer-dirt")
    U = h.t["Users"]
    verified = [c for c in customers if r.random() < 0.12]
    bad = set(id(c) for c in r.sample(verified, BAD_IDS))
    ids = {"valid": [], "invalid": []}
    for c in verified:
        value = resident_id(r)
        if id(c) in bad:
            value = value[:17] + r.choice([ch for ch in "0123456789X" if ch != value[17]])
            ids["invalid"].append(value)
        else:
            ids["valid"].append(value)
        cf(h, {"id": c["id"]}, CF_ID_NUMBER, value, c["id"], dt.datetime.strptime(U.col(c["row"], "Created"),
                                                                                  "%Y-%m-%d %H:%M:%S") + dt.timedelta(days=2),
           object_type="RT::User")

    with_mobile = [c for c in customers if c["mobile"] and c["channel"] != "电话"]
    for c in r.sample(with_mobile, INVALID_PHONES):
        U.set(c["row"], "MobilePhone", too_short(r, c["mobile"]))

    pairs, triples = DUP_EMAIL_GROUPS
    originals = r.sample([c for c in customers if c["channel"] in ("邮件", "网页")], pairs + triples)
    others = r.sample([c for c in customers if c["channel"] in ("微信", "APP", "电话") and not c["email"]],
                      pairs + 2 * triples)
    variants = [lambda e: e.upper(), lambda e: e[0].upper() + e[1:], lambda e: e + " ", lambda e: " " + e,
                lambda e: e.split("@")[0].title() + "@" + e.split("@")[1].upper(), lambda e: " " + e.upper() + " "]
    k = 0
    for i, c in enumerate(originals):
        wanted = 1 if i < pairs else 2
        chosen = r.sample(variants, wanted)
        for make in chosen:
            value = make(c["email"])
            assert value != c["email"]
            U.set(others[k]["row"], "EmailAddress", value)
            others[k]["email"] = value
            k += 1
    return ids


def purge_and_delete(h, agents, groups, purged):
    """What the legacy system's admins did by hand (see the module doc)."""
    r = h.rng("deletions")
    gone = {}
    gone["Tickets"] = set(t["id"] for t in purged)
    left = set(a["id"] for a in agents if a["left"])
    gone["Users"] = set(left)
    gone["Principals"] = set(left) | {groups[DELETED_AGENT_GROUP]}
    gone["Groups"] = {groups[DELETED_AGENT_GROUP]}
    gone["CustomFields"] = {CF_OLD_NUMBER}
    T = h.t["Transactions"]
    live = set(t[0] for t in h.t["Tickets"].rows) - gone["Tickets"]
    with_parts = set(a[1] for a in h.t["Attachments"].rows)
    candidates = [row[0] for row in T.rows if row[4] == "Correspond" and row[2] in live and row[1] == "RT::Ticket"
                  and row[0] in with_parts]
    gone["Transactions"] = set(r.sample(candidates, DELETED_TRANSACTIONS))
    for name, ids in gone.items():
        table = h.t[name]
        table.rows = [row for row in table.rows if row[0] not in ids]
    U = h.t["Users"]
    top = max(row[0] for row in h.t["Principals"].rows)
    r2 = h.rng("import")
    for i in range(IMPORTED_WITHOUT_PRINCIPAL):
        name, py = chinese_name(r2)
        email = h.email(r2, py)
        U.add(id=top + 1000 + i, Name=email, RealName=name, EmailAddress=email, Password="*NO-PASSWORD*",
              Comments="导入自旧会员系统", Creator=RT_SYSTEM, Created="2022-01-08 02:00:00", LastUpdatedBy=RT_SYSTEM,
              LastUpdated="2022-01-08 02:00:00")
    return {name: len(ids) for name, ids in gone.items()}


def old_numbers(h, tickets):
    """Values of 旧系统单号 on the 2021 tickets of the after-sales queues (the field is deleted later)."""
    for t in tickets:
        if not t["broken"] and t["queue"] in (3, 4) and t["created"] < dt.datetime(2021, 6, 1):
            cf(h, t, CF_OLD_NUMBER, "HD%06d" % (100000 + t["id"]), RT_SYSTEM, t["created"])


def generate(n, seed):
    h = Helpdesk(seed)
    root = bootstrap(h)
    agents, groups = setup_shop(h, root)
    tickets, customers = run_tickets(h, agents, n)
    purged = merge(h, h.rng("merge"), tickets)
    old_numbers(h, tickets)
    ids = customer_dirt(h, customers)
    deleted = purge_and_delete(h, agents, groups, purged)
    return h, {"agents": agents, "customers": customers, "tickets": tickets, "ids": ids, "deleted": deleted}


# ---------------------------------------------------------------------------------------------
# Truth: computed from the rows as written
# ---------------------------------------------------------------------------------------------

def relationship_truth(h, rel):
    table, column, ref_table, ref_column, type_column, type_value, sentinels, planted = rel
    child, parent = h.t[table], h.t[ref_table]
    keys = set(parent.col(row, ref_column) for row in parent.rows)
    rows = orphans = 0
    orphan_values = set()
    sentinel_rows = {str(v): 0 for v in sentinels}
    for row in child.rows:
        v = child.col(row, column)
        if v is None or (type_column and child.col(row, type_column) != type_value):
            continue
        rows += 1
        if v in sentinels or v == 0:
            sentinel_rows[str(v)] = sentinel_rows.get(str(v), 0) + 1
            if v not in keys:
                continue
        if v not in keys:
            orphans += 1
            orphan_values.add(v)
    out = {"name": "%s.%s → %s.%s" % (table, column, ref_table, ref_column), "table": table, "column": column,
           "ref_table": ref_table, "ref_column": ref_column, "type_column": type_column, "type_value": type_value,
           "rows": rows, "orphans": orphans, "orphan_values": len(orphan_values),
           "sentinels": {v: {"rows": n, "meaning": sentinels.get(int(v), "0 meaning none")}
                         for v, n in sorted(sentinel_rows.items()) if n}}
    if type_column:
        out["name"] += " where %s = '%s'" % (type_column, type_value)
    if planted:
        out["planted"] = planted
    return out


def mobile_ok(v):
    s = v.replace(" ", "").replace("-", "")
    return bool(sample.MOBILE_RE.match(s))


def cs_truth(h):
    """What samples/request-tracker's mappings must make of these rows: per CS entity the rows
    loaded and the rows rejected (each for a reason the data holds), worked out from the rows
    as written, independently of csbridge."""
    U, G, GM, T, X, A, V = (h.t[n] for n in ("Users", "Groups", "GroupMembers", "Tickets", "Transactions",
                                             "Attachments", "ObjectCustomFieldValues"))
    privileged_groups = {G.col(r, "id") for r in G.rows if G.col(r, "Domain") == "SystemInternal"
                         and G.col(r, "Name") == "Privileged"}
    privileged = {GM.col(r, "MemberId") for r in GM.rows if GM.col(r, "GroupId") in privileged_groups}
    users = {U.col(r, "id"): r for r in U.rows}
    agents = {i for i in users if i in privileged}
    customers = {i for i, r in users.items() if i not in privileged and U.col(r, "Name") not in ("RT_System", "Nobody")}
    filled = lambda v: v is not None and v != ""
    user_defined = {G.col(r, "id") for r in G.rows if G.col(r, "Domain") == "UserDefined"}
    members = [r for r in GM.rows if GM.col(r, "GroupId") in user_defined]
    tickets = {T.col(r, "id") for r in T.rows}
    on_tickets = [r for r in X.rows if X.col(r, "ObjectType") == "RT::Ticket"]
    message_types = ("Create", "Correspond", "Comment")
    messages = [r for r in on_tickets if X.col(r, "Type") in message_types]
    events = [r for r in on_tickets if X.col(r, "Type") not in message_types]
    txn_ticket = {X.col(r, "id"): X.col(r, "ObjectId") for r in on_tickets}
    files = [r for r in A.rows if filled(A.col(r, "Filename"))]
    cf_by_name = {row[1]: row[0] for row in h.t["CustomFields"].rows}

    def split(rows, ok):
        good = sum(1 for r in rows if ok(r))
        return {"loaded": good, "rejected": len(rows) - good}

    def cf_rows(name):
        return [r for r in V.rows if V.col(r, "ObjectType") == "RT::Ticket" and V.col(r, "CustomField") == cf_by_name[name]]

    return {
        "organization": split(sorted({U.col(users[i], "Organization") for i in customers
                                      if filled(U.col(users[i], "Organization"))}), lambda o: True),
        "customer": split(list(customers), lambda i: True),
        "customer_identity": split([i for i in customers if filled(U.col(users[i], "EmailAddress"))]
                                   + [i for i in customers if filled(U.col(users[i], "MobilePhone"))], lambda i: True),
        "agent": split(list(agents), lambda i: True),
        "agent_group": split(list(range(len(h.t["Queues"].rows) + len(user_defined))), lambda i: True),
        "agent_group_member": split(members, lambda r: GM.col(r, "MemberId") in agents),
        "ticket": split(list(tickets), lambda i: True),
        "ticket_message": split(messages, lambda r: X.col(r, "ObjectId") in tickets),
        "ticket_event": split(events, lambda r: X.col(r, "ObjectId") in tickets),
        "attachment": split(files, lambda r: txn_ticket.get(A.col(r, "TransactionId")) in tickets),
        "satisfaction_rating": split(cf_rows("满意度"), lambda r: V.col(r, "ObjectId") in tickets),
        "business_ref": split(cf_rows("订单号"), lambda r: V.col(r, "ObjectId") in tickets),
    }


def build_truth(h, facts, n, seed):
    U = h.t["Users"]
    user_ids = set(row[0] for row in U.rows)
    members = {}
    for row in h.t["GroupMembers"].rows:
        members.setdefault(row[1], set()).add(row[2])
    agents = members[PRIVILEGED] & user_ids
    customers = (members[UNPRIVILEGED] & user_ids) - {NOBODY}
    T = h.t["Tickets"]
    statuses = {}
    for row in T.rows:
        s = T.col(row, "Status")
        statuses[s] = statuses.get(s, 0) + 1

    mobiles = [U.col(row, "MobilePhone") for row in U.rows if U.col(row, "MobilePhone")]
    invalid = [v for v in mobiles if not mobile_ok(v)]
    assert len(invalid) == INVALID_PHONES, len(invalid)
    norm_mobiles = {}
    for v in mobiles:
        if mobile_ok(v):
            k = v.replace(" ", "").replace("-", "")[-11:]
            norm_mobiles[k] = norm_mobiles.get(k, 0) + 1
    groups = {}
    for row in U.rows:
        e = U.col(row, "EmailAddress")
        if e and e.strip():
            groups.setdefault(e.strip().lower(), []).append(row[0])
    dup = [g for g in groups.values() if len(g) > 1]
    assert (sum(len(g) for g in dup), len(dup)) == (2 * DUP_EMAIL_GROUPS[0] + 3 * DUP_EMAIL_GROUPS[1],
                                                    sum(DUP_EMAIL_GROUPS))
    ids = facts["ids"]
    id_values = ids["valid"] + ids["invalid"]
    assert all(sample.id_valid(v) for v in ids["valid"]) and not any(sample.id_valid(v) for v in ids["invalid"])

    purged = facts["deleted"]["Tickets"]
    merged = sum(1 for row in T.rows if T.col(row, "IsMerged") == 1)
    return {
        "generator": {"tickets": n, "seed": seed, "rt_version": "5.0.3", "shop": "优品汇 (" + RT_NAME + ")"},
        "tables": {name: len(table.rows) for name, table in h.t.items()},
        "entities": {
            "agents": len(agents), "agents_deleted": sum(1 for a in facts["agents"] if a["left"]),
            "customers": len(customers), "customers_without_principal": IMPORTED_WITHOUT_PRINCIPAL,
            "system_users": {"RT_System": RT_SYSTEM, "Nobody": NOBODY},
            "tickets": len(T.rows), "tickets_purged": purged, "tickets_merged": merged,
            "tickets_without_effective_id": sum(1 for row in T.rows if T.col(row, "EffectiveId") == 0),
            "queues": len(h.t["Queues"].rows),
            "agent_groups": sum(1 for row in h.t["Groups"].rows if row[3] == "UserDefined"),
            "ticket_role_groups": sum(1 for row in h.t["Groups"].rows if row[3] == "RT::Ticket-Role"),
            "transactions_deleted": facts["deleted"]["Transactions"],
            "custom_fields": len(h.t["CustomFields"].rows), "custom_fields_deleted": 1,
            "messages": sum(1 for row in h.t["Transactions"].rows if row[4] in ("Create", "Correspond", "Comment")
                            and row[1] == "RT::Ticket"),
            "statuses": dict(sorted(statuses.items())),
        },
        "cs": cs_truth(h),
        "relationships": [relationship_truth(h, rel) for rel in RELATIONSHIPS],
        "other_relationships": [relationship_truth(h, rel) for rel in OTHER_RELATIONSHIPS],
        "dirt": {
            "invalid_phone": {"table": "Users", "column": "MobilePhone", "count": len(invalid),
                              "values": len(mobiles), "what": "mobiles with a digit missing (10 digits)"},
            "duplicate_customers": {"table": "Users", "column": "EmailAddress", "rows": sum(len(g) for g in dup),
                                    "groups": len(dup), "by_phone_rows": sum(c for c in norm_mobiles.values() if c > 1),
                                    "what": "e-mail equal to another user's ignoring case and surrounding spaces"},
            "id_checksum": {"table": "ObjectCustomFieldValues", "column": "Content", "custom_field": "身份证号",
                            "count": len(ids["invalid"]),
                            "luhn_pass": sum(1 for v in ids["invalid"] if v.isdigit() and sample.luhn_ok(v)),
                            "what": "18-character resident IDs (GB 11643) with a wrong check character"},
            "orphans": {"relationships": ["Tickets.Owner", "Transactions.ObjectId"],
                        "what": "owners that are deleted agents; transactions of purged tickets"},
        },
        "pii": {"national_id": {"table": "ObjectCustomFieldValues", "column": "Content", "values": len(id_values),
                                "valid": len(ids["valid"]), "invalid": len(ids["invalid"]),
                                "valid_luhn_pass": sum(1 for v in ids["valid"] if v.isdigit() and sample.luhn_ok(v))}},
    }


# ---------------------------------------------------------------------------------------------
# SQL per engine
# ---------------------------------------------------------------------------------------------

TABLE_ORDER = ["Principals", "Users", "Groups", "GroupMembers", "CachedGroupMembers", "ACL", "Queues", "CustomFields",
               "ObjectCustomFields", "CustomFieldValues", "Tickets", "Transactions", "Attachments",
               "ObjectCustomFieldValues", "Links"]
BATCH = 500


def literal(v, engine):
    if v is None:
        return "NULL"
    if isinstance(v, int):
        return str(v)
    s = v.replace("'", "''")
    if engine == "mariadb":
        s = s.replace("\\", "\\\\")
    return "'" + s + "'"


def render_sql(h, engine):
    out = ["-- Request Tracker 5 data generated by tests/rt5/gen_rt5.py; load after RT's schema file.\n"]
    out.append("SET NAMES utf8mb4;\nSTART TRANSACTION;\n" if engine == "mariadb" else "BEGIN;\n")
    for name in TABLE_ORDER:
        table = h.t[name]
        head = "INSERT INTO %s (%s) VALUES\n" % (name, ", ".join(table.columns))
        for i in range(0, len(table.rows), BATCH):
            values = ",\n".join("(" + ", ".join(literal(v, engine) for v in row) + ")"
                                for row in table.rows[i:i + BATCH])
            out.append(head + values + ";\n")
    if engine == "pg":  # RT's ids come from these sequences: move them past the rows written
        for name, seq in (("Principals", "principals_id_seq"), ("Tickets", "tickets_id_seq"),
                          ("Transactions", "transactions_id_seq"), ("Attachments", "attachments_id_seq"),
                          ("GroupMembers", "groupmembers_id_seq"), ("CachedGroupMembers", "cachedgroupmembers_id_seq"),
                          ("ObjectCustomFieldValues", "objectcustomfieldvalues_id_s"), ("Queues", "queues_id_seq"),
                          ("CustomFields", "customfields_id_seq"), ("Links", "links_id_seq"), ("ACL", "acl_id_seq")):
            if h.t[name].rows:
                out.append("SELECT setval('%s', %d);\n" % (seq, max(row[0] for row in h.t[name].rows)))
    out.append("COMMIT;\n")
    return "".join(out)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("outdir")
    p.add_argument("--tickets", type=int, default=10000)
    p.add_argument("--seed", type=int, default=20240630)
    a = p.parse_args(argv)
    if a.tickets < 2000:
        p.error("--tickets must be at least 2000 (the planted dirt needs that many)")
    h, facts = generate(a.tickets, a.seed)
    truth = build_truth(h, facts, a.tickets, a.seed)
    os.makedirs(a.outdir, exist_ok=True)
    for engine in ("pg", "mariadb", "sqlite"):
        with open(os.path.join(a.outdir, "data.%s.sql" % engine), "w", encoding="utf-8") as f:
            f.write(render_sql(h, engine))
    with open(os.path.join(a.outdir, "truth.json"), "w", encoding="utf-8") as f:
        json.dump(truth, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print("gen_rt5: %d tickets, %d users, %d rows in %d tables → %s" % (
        truth["entities"]["tickets"], truth["tables"]["Users"], sum(truth["tables"].values()), len(truth["tables"]),
        a.outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
