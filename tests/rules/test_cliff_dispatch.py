"""`cliff/auth-removed` and authentication moved down to the controllers a dispatcher calls.

A Rails controller that drops `before_action :authenticate_user!` because it now hands each
request to other controllers kept its gate when the change shows every one of them inheriting
a class that authenticates, and the dispatcher answers nothing itself. When the change does not
show that (the base class is not in it, one controller skips the gate, the dispatcher renders,
or it picks its controller from the request), the removal still warns.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.rules.cliff import AUTH_REMOVED
from bot.rules.cliff.auth import check_auth_removed
from tests.gitrepo import make_repo

PATH = "app/controllers/rpc_controller.rb"
BEFORE = """\
class RpcController < ActionController::API
  before_action :authenticate_user!

  def call
    render json: Rpc.handle(JSON.parse(request.raw_post), current_user)
  end
end
"""
AFTER = """\
class RpcController < ActionController::Metal
  HANDLERS = {
    'orders.list' => Rpc::ListOrdersController,
    'orders.cancel' => Rpc::CancelOrderController
  }.freeze

  def call
    body = JSON.parse(request.raw_post)
    return Rpc::ErrorsController.dispatch(:bad_request, request, response) unless body.is_a?(Hash)

    handler = HANDLERS[body['method']]
    return handler.dispatch(:call, request, response) if handler

    Rpc::ErrorsController.dispatch(:not_found, request, response)
  end
end
"""
BASE_CLASS = """\
module Rpc
  class BaseController < ActionController::API
    before_action :authenticate_user!

    private

    def authenticate_user!
      head :unauthorized unless current_user
    end
  end
end
"""
HANDLERS = {
    "app/controllers/rpc/list_orders_controller.rb": """\
module Rpc
  class ListOrdersController < BaseController
    def call
      render json: current_user.orders
    end
  end
end
""",
    "app/controllers/rpc/cancel_order_controller.rb": """\
module Rpc
  class CancelOrderController < Rpc::BaseController
    def call
      current_user.orders.find(params[:id]).cancel!
      head :ok
    end
  end
end
""",
    "app/controllers/rpc/errors_controller.rb": """\
module Rpc
  class ErrorsController < BaseController
    def bad_request
      head :bad_request
    end

    def not_found
      head :not_found
    end
  end
end
""",
}
BASE_PATH = "app/controllers/rpc/base_controller.rb"


async def removed(tmp_path: Path, base: dict[str, str], head: dict[str, str]) -> list[int]:
    """Return the LEFT lines of the auth-removed findings of the change from `base` to `head`."""
    repo = make_repo(tmp_path / "r", base, head)
    return [f.line for f in check_auth_removed(await repo.snapshot()) if f.rule == AUTH_REMOVED]


async def test_a_dispatcher_to_controllers_whose_new_base_authenticates_is_quiet(
    tmp_path: Path,
) -> None:
    """Each request goes on, by a constant or through the dispatcher's own table, to a
    controller whose base class (resolved in its module) authenticates: the gate moved."""
    head = {PATH: AFTER, BASE_PATH: BASE_CLASS, **HANDLERS}
    assert await removed(tmp_path, {PATH: BEFORE}, head) == []


SKIPS = HANDLERS["app/controllers/rpc/errors_controller.rb"].replace(
    "  class ErrorsController < BaseController\n",
    "  class ErrorsController < BaseController\n    skip_before_action :authenticate_user!\n",
)


@pytest.mark.parametrize(
    ("base", "head"),
    [
        ({PATH: BEFORE, BASE_PATH: BASE_CLASS}, {PATH: AFTER, **HANDLERS}),
        (
            {PATH: BEFORE},
            {
                PATH: AFTER,
                BASE_PATH: BASE_CLASS,
                **HANDLERS,
                "app/controllers/rpc/errors_controller.rb": SKIPS,
            },
        ),
        (
            {PATH: BEFORE},
            {PATH: AFTER.replace("HANDLERS[body['method']]", "params[:handler].constantize")}
            | {BASE_PATH: BASE_CLASS, **HANDLERS},
        ),
        (
            {PATH: BEFORE},
            {
                PATH: AFTER.replace(
                    "  def call\n", "  def status\n    render plain: 'ok'\n  end\n\n  def call\n"
                ),
                BASE_PATH: BASE_CLASS,
                **HANDLERS,
            },
        ),
        (
            {PATH: BEFORE},
            {
                PATH: AFTER.replace(
                    "class RpcController < ActionController::Metal",
                    "class RpcController < ApplicationController",
                ).replace(
                    "  def call\n", "  def index\n    @orders = Order.all\n  end\n\n  def call\n"
                ),
                BASE_PATH: BASE_CLASS,
                **HANDLERS,
            },
        ),
        (
            {PATH: BEFORE},
            {
                PATH: AFTER,
                BASE_PATH: BASE_CLASS.replace(
                    ":authenticate_user!\n", ":authenticate_user!, only: :call\n"
                ),
                **HANDLERS,
            },
        ),
    ],
    ids=[
        "base-class-not-in-change",
        "one-skips",
        "picked-from-request",
        "renders",
        "own-view",
        "gate-for-some-actions",
    ],
)
async def test_a_dispatcher_the_change_does_not_show_gated_still_warns(
    tmp_path: Path, base: dict[str, str], head: dict[str, str]
) -> None:
    """The base class is unchanged, so not in the snapshot; one controller skips the gate; the
    controller comes from the request; the dispatcher renders, or has an action that renders
    its own view; the base class gates only some actions: the removal still warns on the old
    `before_action` line."""
    assert await removed(tmp_path, base, head) == [2]
