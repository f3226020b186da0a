"""Demo content of the Tianfu Software Park: services, notices, directory profiles, a service
request and activity figures. Idempotent: nothing is added twice when the demo is seeded again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from tenants.models import Firm

from .models import DirectoryProfile, Notice, Park, ParkService, ServiceRequest

SERVICES = [
    (
        ParkService.Category.MEETING_ROOM,
        "会议室预订",
        "A座 3 楼路演厅（80 人）与 6 间小型会议室，入园企业每月 8 小时免费。",
    ),
    (
        ParkService.Category.LEGAL_TAX,
        "法律与税务咨询",
        "每周三下午律师、税务师驻场，合同审查、研发费用加计扣除政策解读。",
    ),
    (ParkService.Category.TALENT, "人才项目对接", "蓉漂人才计划、高校实习生对接与人才公寓申请。"),
    (ParkService.Category.SUBSIDY, "项目申报辅导", "专精特新、高新技术企业认定与专项资金申报材料辅导。"),
]
NOTICES = [
    (
        Notice.Kind.SUBSIDY,
        "关于组织申报 2027 年度成都市中小企业发展专项资金的通知",
        "各入园企业：\n根据市经信局通知，2027 年度中小企业发展专项资金开始申报，重点支持数字化转型、"
        "专精特新培育项目。请有意向的企业于截止日期前将申报材料报送园区企业服务中心。",
        45,
    ),
    (
        Notice.Kind.POLICY,
        "研发费用加计扣除政策解读（2026 年版）",
        "园区将于本月举办政策解读会，详细讲解研发费用归集口径与留存备查资料要求。",
        None,
    ),
    (
        Notice.Kind.EVENT,
        "天府软件园第四季度企业供需对接会",
        "本季度对接会聚焦电子信息与智能制造产业链，欢迎企业在产业协作名录中完善企业名片后报名参加。",
        20,
    ),
]
PROFILES: dict[str, dict[str, Any]] = {
    "rongxin": {
        "industry": "C",
        "summary": "专注功率半导体模组与工业电源电子元器件的研发和生产，为新能源与轨道交通客户供货。",
        "capabilities": ["电子元器件", "SMT 贴片", "功率模组", "ISO 9001"],
        "products": "IGBT 功率模组、开关电源、定制线束",
        "certifications": "ISO 9001:2015、IATF 16949",
        "contact_person": "王丽",
        "contact_email": "wang.li@rongxin.example",
    },
    "lvneng": {
        "industry": "D",
        "summary": "为园区企业提供屋顶光伏、储能与能耗管理方案，帮助企业降低用电成本。",
        "capabilities": ["分布式光伏", "储能系统", "能耗监测"],
        "products": "工商业光伏电站 EPC、储能柜、能耗管理平台",
        "certifications": "电力工程施工总承包三级",
        "contact_person": "陈杰",
        "contact_email": "chen.jie@lvneng.example",
    },
}


class _Owner:
    """The firm owner the demo acts as (profiles are edited by owners and administrators)."""

    is_authenticated = True
    can_manage_users = True
    pk = None

    def __init__(self, email: str) -> None:
        self.email = email


def seed_demo_park(*, park: Park, admin: Any) -> list[str]:
    """Fill the park with demo content; returns what was added, for the command's summary."""
    from . import catalogue, directory, notices
    from .activity import firm_activity_collect

    added: list[str] = []
    if not park.services.exists():
        for category, name, description in SERVICES:
            catalogue.park_service_create(park=park, actor=admin, category=category, name=name, description=description)
        added.append(f"{len(SERVICES)} park services")
    if not park.notices.exists():
        for kind, title, body, days in NOTICES:
            deadline = timezone.localdate() + timedelta(days=days) if days else None
            notice = notices.notice_create(park=park, actor=admin, kind=kind, title=title, body=body, deadline=deadline)
            notices.notice_publish(park=park, actor=admin, notice_id=notice.pk)
        added.append(f"{len(NOTICES)} notices")
    members = {firm.slug: firm for firm in Firm.objects.filter(park=park, status=Firm.Status.ACTIVE)}
    for slug, fields in PROFILES.items():
        firm = members.get(slug)
        if firm is None or DirectoryProfile.objects.filter(firm=firm).exists():
            continue
        owner = _Owner(str(fields["contact_email"]))
        directory.directory_profile_save(firm=firm, actor=owner, display_name=firm.name, **fields)
        directory.directory_profile_publish(firm=firm, actor=owner)
        added.append(f"directory profile of {slug}")
    rongxin = members.get("rongxin")
    if rongxin is not None and not ServiceRequest.objects.filter(firm=rongxin).exists():
        service = park.services.get(name="项目申报辅导")
        catalogue.service_request_create(
            firm=rongxin,
            actor=_Owner("wang.li@rongxin.example"),
            service_id=service.pk,
            subject="专精特新企业申报材料辅导",
            details="我们计划申报省级专精特新中小企业，希望预约一次材料预审。",
        )
        added.append("a service request from rongxin")
    for firm in members.values():
        firm_activity_collect(firm_id=firm.pk)
    return added
