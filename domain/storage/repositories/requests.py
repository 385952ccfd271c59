"""After-sales requests, offers, reshipments and cancellations."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from domain.enums import OfferStatus
from domain.models import AfterSalesRequest, Cancellation, Offer, OfferCard, Reshipment
from domain.storage.repositories.base import Repository


class RequestRepository(Repository):
    def add(self, request: AfterSalesRequest) -> AfterSalesRequest:
        self.session.add(request)
        return request

    async def get(self, request_id: int) -> AfterSalesRequest | None:
        return await self.session.get(AfterSalesRequest, request_id)

    async def by_ticket(self, ticket_id: int) -> AfterSalesRequest | None:
        return await self.session.scalar(select(AfterSalesRequest).where(AfterSalesRequest.ticket_id == ticket_id))

    # Offers
    def add_offer(self, offer: Offer) -> Offer:
        self.session.add(offer)
        return offer

    async def get_offer(self, offer_id: int, *, for_update: bool = False) -> Offer | None:
        """The offer; with ``for_update`` its row locked and read afresh (PostgreSQL; SQLite has one writer)."""
        if for_update:
            return await self.session.get(Offer, offer_id, with_for_update=True, populate_existing=True)
        return await self.session.get(Offer, offer_id)

    async def pending_offer(self, request_id: int) -> Offer | None:
        return await self.session.scalar(
            select(Offer).where(Offer.request_id == request_id, Offer.status == OfferStatus.PENDING)
        )

    async def offers(self, request_id: int) -> Sequence[Offer]:
        return (
            await self.session.scalars(select(Offer).where(Offer.request_id == request_id).order_by(Offer.id))
        ).all()

    # The messages that show an offer (edited when it ends)
    async def add_offer_card(
        self, offer_id: int, audience: str, chat_id: int, message_id: int, *, shown: str | None, at
    ) -> None:
        """Remember a card once Telegram has it; the same message told twice (a replayed answer) is kept once."""
        known = await self.offer_card_at(chat_id, message_id)
        if known is None:
            self.session.add(
                OfferCard(
                    offer_id=offer_id,
                    audience=audience,
                    chat_id=chat_id,
                    message_id=message_id,
                    shown=shown,
                    created_at=at,
                )
            )

    async def offer_cards(self, offer_id: int) -> Sequence[OfferCard]:
        return (
            await self.session.scalars(select(OfferCard).where(OfferCard.offer_id == offer_id).order_by(OfferCard.id))
        ).all()

    async def offer_card_at(self, chat_id: int, message_id: int) -> OfferCard | None:
        return await self.session.scalar(
            select(OfferCard).where(OfferCard.chat_id == chat_id, OfferCard.message_id == message_id)
        )

    # Reshipments
    def add_reshipment(self, reshipment: Reshipment) -> Reshipment:
        self.session.add(reshipment)
        return reshipment

    async def get_reshipment(self, reshipment_id: int) -> Reshipment | None:
        return await self.session.get(Reshipment, reshipment_id)

    async def reshipment_for(self, request_id: int) -> Reshipment | None:
        return await self.session.scalar(select(Reshipment).where(Reshipment.request_id == request_id))

    # Cancellations
    def add_cancellation(self, cancellation: Cancellation) -> Cancellation:
        self.session.add(cancellation)
        return cancellation

    async def cancellation_by_ticket(self, ticket_id: int) -> Cancellation | None:
        return await self.session.scalar(select(Cancellation).where(Cancellation.ticket_id == ticket_id))
