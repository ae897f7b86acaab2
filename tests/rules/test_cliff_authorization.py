"""`cliff/auth-bypassed` and authorization in the action.

An endpoint that lets signed-out callers in but checks, in every action it opens, what the
caller may do (CanCan, Pundit, Django permissions, an action's own DRF permission classes) is
access-controlled: guest checkouts and token links are built that way. An endpoint that skips
sign-in and checks nothing, or leaves one action or an inherited action unchecked, still warns.
So does one opened by a link whose record is found by a guessable id, or without failing.
"""

from __future__ import annotations

import pytest

from bot.diff.model import Change, ChangedFile, FileStatus, Line
from bot.rules.cliff import AUTH_BYPASSED
from bot.rules.cliff.auth import check_auth_bypassed
from bot.snapshot.model import Snapshot

GUEST_ORDERS = """\
module Paypal
  class OrdersController < ::Spree::Api::BaseController
    skip_before_action :authenticate_user
    before_action :load_order, except: :create

    def create
      authorize! :create, ::Spree::Order
      @order = ::Spree::Order.create!(store: current_store)
      render json: @order, status: :ok
    end

    def verify_total
      authorize! :show, @order, order_token
      render json: {}, status: :ok
    end

    private

    def load_order
      @order = ::Spree::Order.find_by!(number: params[:order_id])
    end
  end
end
"""
PUNDIT_SHARES = """\
class SharesController < ApplicationController
  skip_before_action :authenticate_user!
  after_action :verify_authorized

  def show
    @share = Share.find_by!(token: params[:token])
    render json: @share
  end
end
"""
CANCAN_DOCUMENTS = """\
class DocumentsController < ApplicationController
  skip_before_action :authenticate_user!, only: [:show]
  load_and_authorize_resource

  def show
    render json: @document
  end

  def index
    render json: Document.all
  end
end
"""
HELPER_INVOICES = """\
class InvoicesController < ApplicationController
  skip_before_action :authenticate_user!, only: [:show, :download]
  before_action :authorize_invoice, only: :download

  def show
    load_invoice
    render json: @invoice
  end

  def download
    send_data @invoice.pdf
  end

  def index
    render json: Invoice.all
  end

  private def load_invoice
    @invoice = Invoice.find(params[:id])
    authorize @invoice
  end

  private

  def authorize_invoice
    @invoice = Invoice.find(params[:id])
    authorize @invoice, :show?
  end
end
"""
OPEN_REPORTS = """\
class ReportsController < ApplicationController
  skip_before_action :authenticate_user!

  def show
    authorize! :read, Report
    render json: Report.find(params[:id])
  end

  def export
    send_data Report.to_csv
  end
end
"""
INHERITED_ACTIONS = """\
class ExportsController < Admin::ResourceController
  skip_before_action :authenticate_user!, only: [:index]

  def show
    authorize! :read, Export
  end
end
"""
UNCHECKED_HELPER = """\
class ReceiptsController < ApplicationController
  skip_before_action :authenticate_user!

  def show
    render json: Receipt.find(params[:id])
  end

  private

  def allowed?
    can?(:read, Receipt)
  end
end
"""
DRF_CHECKED = """\
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from shop.permissions import IsOrderOwner


class InvoiceView(APIView):
    permission_classes = [AllowAny]

    def get(self, request, pk):
        if not request.user.has_perm("billing.view_invoice"):
            raise PermissionDenied
        return Response({"id": pk})


@api_view(["GET"])
@permission_classes([AllowAny])
def receipt(request, pk):
    if not request.user.has_perm("billing.view_receipt"):
        raise PermissionDenied
    return Response({"id": pk})


class OrderViewSet(GenericViewSet):
    permission_classes = [AllowAny]

    @action(detail=True, permission_classes=[IsOrderOwner])
    def cancel(self, request, pk=None):
        return Response({"cancelled": pk})
"""
DRF_OPEN = """\
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import ModelViewSet


class PaymentViewSet(ModelViewSet):
    permission_classes = [AllowAny]

    def create(self, request):
        if not request.user.has_perm("billing.add_payment"):
            return Response(status=403)
        return super().create(request)


class LedgerView(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"entries": []})
"""

# Capability links: people without an account reach a record by the secret their link carries.
LINK_INVITES = """\
class GuestInvitesController < ApplicationController
  skip_before_action :authenticate_user!
  before_action :load_invite

  def show
    render json: @invite
  end

  def accept
    @invite.update!(accepted_at: Time.current)
    redirect_to root_path
  end

  private

  def load_invite
    @invite = Invite.find_by!(token: params[:invite_token])
  end
end
"""
LINK_FINDERS = """\
class SharedFilesController < ApplicationController
  skip_before_action :authenticate_user!, only: %i[show download preview receipt]
  before_action :load_folder, only: :receipt

  def show
    @file = SharedFile.find_by(access_key: params[:key]) || raise(ActiveRecord::RecordNotFound)
    render json: @file
  end

  def download
    file = SharedFile.where(public_uuid: params.require(:uuid)).take!
    send_data file.blob.download
  end

  def preview
    @file = SharedFile.find_signed!(params[:signed_id])
    @pages = @file.pages.find(params[:page_id])
  end

  def receipt
    render json: @folder
  end

  def load_folder
    @folder = Folder.find_by_slug!(params[:folder_slug])
  end
end
"""
LINK_GUESSABLE = """\
class GuestTicketsController < ApplicationController
  skip_before_action :authenticate_user!

  def show
    @ticket = Ticket.find(params[:id])
  end
end
"""
LINK_NOT_FAILING = """\
class GuestTicketsController < ApplicationController
  skip_before_action :authenticate_user!

  def show
    @ticket = Ticket.find_by(token: params[:token])
  end
end
"""
LINK_BY_NAME = """\
class GuestTicketsController < ApplicationController
  skip_before_action :authenticate_user!

  def show
    @ticket = Ticket.find_by!(email: params[:email])
    @setting = Setting.find_by!(key: params[:key])
  end
end
"""
LINK_AND_AN_ID = """\
class GuestTicketsController < ApplicationController
  skip_before_action :authenticate_user!
  before_action :load_ticket

  def destroy
    Attachment.find(params[:attachment_id]).destroy!
    head :no_content
  end

  private

  def load_ticket
    @ticket = Ticket.find_by!(token: params[:token])
  end
end
"""


def found(path: str, text: str, *, contents: bool = True) -> list[tuple[str, int]]:
    """Review `text` as a new file at `path`; return the auth-bypassed findings' lines."""
    lines = tuple(Line(n, t) for n, t in enumerate(text.splitlines(), 1))
    changed = ChangedFile(path, FileStatus.ADDED, added=lines, new_ranges=((1, len(lines)),))
    snap = Snapshot(Change((changed,)), {(path, "head"): text} if contents else {})
    return [(f.rule, f.line) for f in check_auth_bypassed(snap)]


def line_of(text: str, needle: str) -> int:
    [number] = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return number


@pytest.mark.parametrize("contents", [True, False], ids=["contents", "bare-diff"])
@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("app/controllers/paypal/orders_controller.rb", GUEST_ORDERS),
        ("app/controllers/shares_controller.rb", PUNDIT_SHARES),
        ("app/controllers/documents_controller.rb", CANCAN_DOCUMENTS),
        ("app/controllers/invoices_controller.rb", HELPER_INVOICES),
        ("shop/api/views.py", DRF_CHECKED),
    ],
    ids=["cancan-in-every-action", "pundit-verify", "cancan-class", "helper", "drf"],
)
def test_a_bypass_whose_actions_all_check_authorization_is_quiet(
    path: str, text: str, contents: bool
) -> None:
    """Skipped sign-in with CanCan's `authorize!`, Pundit's `verify_authorized`, CanCan's
    `load_and_authorize_resource`, a before-hook or helper that authorizes, Django's `has_perm`
    or an action's own permission classes: every opened action checks, so no finding."""
    assert found(path, text, contents=contents) == []


@pytest.mark.parametrize(
    ("path", "text", "needles"),
    [
        ("app/controllers/reports_controller.rb", OPEN_REPORTS, ["skip_before_action"]),
        ("app/controllers/exports_controller.rb", INHERITED_ACTIONS, ["skip_before_action"]),
        ("app/controllers/receipts_controller.rb", UNCHECKED_HELPER, ["skip_before_action"]),
        ("shop/api/payments.py", DRF_OPEN, ["permission_classes = [AllowAny]"] * 2),
    ],
    ids=["one-action-unchecked", "inherited-action", "helper-never-called", "drf"],
)
def test_a_bypass_leaving_an_action_unchecked_still_warns(
    path: str, text: str, needles: list[str]
) -> None:
    """`export` checks nothing, `index` is inherited and unseen, a helper that checks is never
    called, a ModelViewSet inherits unchecked handlers, an APIView's `get` checks nothing."""
    lines = [n for n, line in enumerate(text.splitlines(), 1) if needles[0] in line]
    assert found(path, text) == [(AUTH_BYPASSED, n) for n in lines]
    assert len(lines) == len(needles)


def test_an_edited_file_seen_only_as_a_diff_is_not_cleared_by_the_actions_it_shows() -> None:
    """A bare diff of an edited controller shows the skip and one checked action; an action it
    does not show may check nothing, so the bypass still warns."""
    shown = [line for line in OPEN_REPORTS.splitlines() if "export" not in line][:7]
    added = tuple(Line(n, t) for n, t in enumerate(shown, 1))
    path = "app/controllers/reports_controller.rb"
    changed = ChangedFile(path, FileStatus.MODIFIED, added=added, new_ranges=((1, len(added)),))
    findings = check_auth_bypassed(Snapshot(Change((changed,)), {}))
    assert [(f.rule, f.line) for f in findings] == [
        (AUTH_BYPASSED, line_of(OPEN_REPORTS, "skip_before_action"))
    ]


@pytest.mark.parametrize("contents", [True, False], ids=["contents", "bare-diff"])
@pytest.mark.parametrize(
    "text", [LINK_INVITES, LINK_FINDERS], ids=["before-hook", "finders-in-actions"]
)
def test_a_bypass_whose_actions_find_their_record_by_a_links_secret_is_quiet(
    text: str, contents: bool
) -> None:
    """Each opened action finds its record by a secret column (token, access key, uuid, slug)
    or a signed id from the request, with a finder that raises or a `|| raise`: only who holds
    the link gets in, so no finding; a lookup scoped to that record (`@file.pages.find`) is
    covered by it."""
    path = "app/controllers/guest_controller.rb"
    assert found(path, text, contents=contents) == []


@pytest.mark.parametrize(
    "text",
    [LINK_GUESSABLE, LINK_NOT_FAILING, LINK_BY_NAME, LINK_AND_AN_ID],
    ids=["by-id", "find-by-without-failing", "not-a-secret-column", "link-and-an-id"],
)
def test_a_bypass_whose_record_a_link_does_not_guard_still_warns(text: str) -> None:
    """`find(params[:id])` is guessable; a `find_by` that returns nil goes on; an email or a
    setting's bare `key` is no secret; an action opened by a link that also finds a record of a
    whole model by an id from the request reaches what the link does not: all still warn."""
    path = "app/controllers/guest_tickets_controller.rb"
    assert found(path, text) == [(AUTH_BYPASSED, line_of(text, "skip_before_action"))]
