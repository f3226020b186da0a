"""Demo CRM data for a firm (used by ``manage.py seed_demo``): a handful of accounts, contacts,
leads (some in the pool), opportunities across the pipeline and activities. Runs once per
firm: a firm that has accounts already is left alone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from core.validators import credit_code_check_character

from . import services
from .models import Account, Stage

ACCOUNTS = [
    ("成都锦城精密制造有限公司", "91510100MA61R0XA3", "制造业", "medium", "成都市高新区天府大道北段 1700 号"),
    ("四川蜀道物流有限公司", "91510100MA6CLLDX5", "物流", "large", "成都市青羊区日月大道 888 号"),
    ("成都天府云数据科技有限公司", "91510100MA62T8QK1", "信息技术", "small", "成都市天府新区兴隆湖路 66 号"),
    ("眉山东坡食品有限公司", "91511400MA64W2NB7", "食品", "small", "眉山市东坡区科工园 3 号"),
]
CONTACTS = [
    ("周杰", "13800001111", "zhou.jie@jincheng.example", "采购经理", 0),
    ("李娜", "13900002222", "li.na@jincheng.example", "总经理", 0),
    ("王强", "13700003333", "wang.qiang@shudao.example", "IT 主管", 1),
    ("赵敏", "13600004444", "zhao.min@tianfuyun.example", "CTO", 2),
    ("孙悦", "13500005555", "", "行政", 3),
]
LEADS = [
    ("刘洋", "成都绿色包装有限公司", "13300006666", "园区对接会", False),
    ("陈晨", "德阳重装配件厂", "13300007777", "官网", False),
    ("黄磊", "成都青羊文创有限公司", "13300008888", "展会", True),
    ("吴敏", "宜宾新能源材料有限公司", "13300009999", "园区推荐", True),
]
DEALS = [("数控设备采购", 0, "260000", 2), ("年度仓储服务", 1, "480000", 1), ("数据中心托管", 2, "120000", 3)]


def _with_check(code17: str) -> str:
    return code17 + credit_code_check_character(code17)


def seed_demo_crm(*, owner: Any) -> bool:
    if Account.objects.exists():
        return False
    accounts = [
        services.account_create(
            actor=owner, name=name, credit_code=_with_check(code), industry=industry, size=size, address=address
        )
        for name, code, industry, size, address in ACCOUNTS
    ]
    for name, mobile, email, position, account in CONTACTS:
        services.contact_create(
            actor=owner, name=name, mobile=mobile, email=email, position=position, account=accounts[account]
        )
    for name, company, mobile, source, to_pool in LEADS:
        lead = services.lead_create(
            actor=owner, name=name, company=company, mobile=mobile, source=source, to_pool=to_pool
        )
        if not to_pool:
            services.activity_create(
                actor=owner,
                kind="call",
                subject=f"回访 {name}",
                about="lead",
                about_id=lead.pk,
                due_at=timezone.now() + timedelta(days=2),
            )
    opens = list(Stage.objects.filter(kind=Stage.Kind.OPEN).order_by("position"))
    for name, account, amount, stage_index in DEALS:
        deal = services.opportunity_create(
            actor=owner,
            name=name,
            account_id=accounts[account].pk,
            amount=amount,
            expected_close=timezone.localdate() + timedelta(days=30),
        )
        if stage_index and stage_index < len(opens):
            services.opportunity_move(actor=owner, opportunity_id=deal.pk, stage_id=opens[stage_index].pk)
    won = services.opportunity_create(actor=owner, name="园区网络改造", account_id=accounts[3].pk, amount="86000")
    services.opportunity_win(actor=owner, opportunity_id=won.pk)
    return True
